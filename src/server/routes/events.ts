// /api/events: Server-Sent Events, one `drift` event per transition, as it is announced.
import type { FastifyInstance } from "fastify";
import { hasToken } from "../auth.js";
import type { ApiDeps } from "../deps.js";
import { forReader, summary } from "../records.js";

export function registerEventRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const authenticated = hasToken(deps.apiToken);
  app.get("/api/events", (req, reply) => {
    const reader = authenticated(req);
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      "content-type": "text/event-stream",
      "cache-control": "no-cache",
      connection: "keep-alive",
      "x-accel-buffering": "no",
    });
    res.write(": drift-detector events\n\n");
    const unsubscribe = deps.bus.subscribe((ev) => {
      res.write(
        `event: drift\ndata: ${JSON.stringify({ event: ev.event, record: summary(forReader(ev.record, reader)) })}\n\n`,
      );
    });
    const keepAlive = setInterval(() => res.write(": keep-alive\n\n"), 15_000);
    keepAlive.unref();
    req.raw.on("close", () => {
      clearInterval(keepAlive);
      unsubscribe();
    });
  });
}

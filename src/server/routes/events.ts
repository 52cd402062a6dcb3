// /api/events: Server-Sent Events, one `drift` event per transition, as it is announced; bounded by SseLimits.
import type { FastifyInstance } from "fastify";
import type { ApiDeps } from "../deps.js";
import { forReader, summary } from "../records.js";
import { SSE_DEFAULTS, SseLimits } from "../sse-limits.js";

export function registerEventRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const limits = new SseLimits(deps.sse ?? SSE_DEFAULTS);
  app.get("/api/events", (req, reply) => {
    const slot = limits.acquire(req.identity?.username ?? `address ${req.ip}`);
    if ("refused" in slot) return reply.code(429).header("retry-after", "30").send({ error: slot.refused });
    const reader = req.identity !== undefined;
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      "content-type": "text/event-stream",
      "cache-control": "no-cache",
      connection: "keep-alive",
      "x-accel-buffering": "no",
    });
    const send = (chunk: string) => {
      // A client that does not read leaves our writes queued: drop it rather than grow the queue.
      if (res.writableLength > limits.opts.maxBufferBytes) res.destroy();
      else res.write(chunk);
    };
    send(": drift-detector events\n\n");
    const unsubscribe = deps.bus.subscribe((ev) => {
      const record = summary(forReader(ev.record, reader));
      send(`event: drift\ndata: ${JSON.stringify({ event: ev.event, record })}\n\n`);
    });
    const keepAlive = setInterval(() => send(": keep-alive\n\n"), 15_000);
    keepAlive.unref();
    const maxAge = setTimeout(() => res.end(), limits.opts.maxAgeMs);
    maxAge.unref();
    res.on("close", () => {
      clearInterval(keepAlive);
      clearTimeout(maxAge);
      unsubscribe();
      slot.release();
    });
  });
}

// The app's HTTP server: /healthz, /readyz and /metrics; the app adds its own routes on the same server.
import Fastify, { type FastifyInstance } from "fastify";
import type { Registry } from "prom-client";
import type { Liveness, Readiness } from "./health.js";

export interface HttpServerOptions {
  registry: Registry;
  readiness: Readiness;
  /** /healthz fails while a heartbeat is overdue (a hung loop); without it /healthz only says the process answers. */
  liveness?: Liveness;
}

export function createHttpServer(opts: HttpServerOptions): FastifyInstance {
  // fastify's own request logs stay off: the app logs what matters, and request logs would echo tokens in headers.
  // A request must arrive whole within 30 s (slow-request exhaustion); responses such as event streams are not bound.
  const app = Fastify({ logger: false, forceCloseConnections: true, requestTimeout: 30_000 });
  app.get("/healthz", async (_req, reply) => {
    const stalled = opts.liveness?.stalled() ?? {};
    if (Object.keys(stalled).length === 0) return { status: "ok" };
    reply.code(503);
    return { status: "stalled", stalled };
  });
  app.get("/readyz", async (_req, reply) => {
    const ready = opts.readiness.ready;
    reply.code(ready ? 200 : 503);
    return { ready, conditions: opts.readiness.report() };
  });
  app.get("/metrics", async (_req, reply) => {
    reply.header("content-type", opts.registry.contentType);
    return opts.registry.metrics();
  });
  return app;
}

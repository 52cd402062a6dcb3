// The app's HTTP server: /healthz, /readyz and /metrics; the app adds its own routes on the same server.
import Fastify, { type FastifyInstance } from "fastify";
import type { Registry } from "prom-client";
import type { Readiness } from "./health.js";

export interface HttpServerOptions {
  registry: Registry;
  readiness: Readiness;
}

export function createHttpServer(opts: HttpServerOptions): FastifyInstance {
  // fastify's own request logs stay off: the app logs what matters, and request logs would echo tokens in headers.
  // A request must arrive whole within 30 s (slow-request exhaustion); responses such as event streams are not bound.
  const app = Fastify({ logger: false, forceCloseConnections: true, requestTimeout: 30_000 });
  app.get("/healthz", async () => ({ status: "ok" }));
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

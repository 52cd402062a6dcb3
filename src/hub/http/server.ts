import Fastify, { type FastifyInstance } from "fastify";
import { HubError } from "../errors.js";
import type { Hub } from "../hub.js";
import { bearerAuth } from "./auth.js";
import { registerDataRoutes } from "./data-routes.js";
import { registerSpaceRoutes } from "./space-routes.js";
import { registerUnitRoutes } from "./unit-routes.js";

export interface HubServerOptions {
  hub: Hub;
  token: string;
  logger?: boolean;
}

// The embedded hub's HTTP API: ConfigHub's REST subset under /api (../../../../shared/confighub-api.md).
export function buildHubServer({ hub, token, logger = false }: HubServerOptions): FastifyInstance {
  // Closing ends open connections too: a client's keep-alive connection would otherwise hold a shutdown for the
  // server's keep-alive timeout (72 s).
  // A client has a minute to send its request (up to 16 MB): fastify's default waits for ever.
  const app = Fastify({ logger, bodyLimit: 16 * 1024 * 1024, forceCloseConnections: true, requestTimeout: 60_000 });
  app.addHook("onRequest", bearerAuth(token));

  // Unit data travels as text; merge patches as JSON.
  for (const type of [
    "application/octet-stream",
    "text/plain",
    "application/yaml",
    "application/x-yaml",
    "text/yaml",
  ]) {
    app.addContentTypeParser(type, { parseAs: "string" }, (_req, body, done) => done(null, body));
  }
  app.addContentTypeParser("application/merge-patch+json", { parseAs: "string" }, (_req, body, done) => {
    try {
      done(null, body === "" ? null : JSON.parse(body as string));
    } catch {
      done(new HubError(400, "the body is not valid JSON"), undefined);
    }
  });

  app.setErrorHandler((err, _req, reply) => {
    if (err instanceof HubError) return reply.code(err.status).send({ Code: String(err.status), Message: err.message });
    const { statusCode: status, message } = err as { statusCode?: number; message?: string };
    if (status && status >= 400 && status < 500)
      return reply.code(status).send({ Code: String(status), Message: message });
    reply.log.error(err);
    return reply.code(500).send({ Code: "500", Message: "internal error" });
  });
  app.setNotFoundHandler((req, reply) =>
    reply.code(404).send({ Code: "404", Message: `no such endpoint: ${req.method} ${req.url.split("?")[0]}` }),
  );

  app.register(
    async (api) => {
      registerSpaceRoutes(api, hub);
      registerUnitRoutes(api, hub);
      registerDataRoutes(api, hub);
    },
    { prefix: "/api" },
  );
  return app;
}

// The service's HTTP API (CONTRACT.md "HTTP") on the app's fastify server: one route file per resource under
// routes/ (the embedded hub's src/hub/http/ has the same shape). The dashboard's pages are in dashboard/.
import type { FastifyInstance } from "fastify";
import type { ApiDeps } from "./deps.js";
import { registerDriftRoutes } from "./routes/drifts.js";
import { registerEventRoutes } from "./routes/events.js";
import { registerRemediationRoutes } from "./routes/remediation.js";
import { registerResourceRoutes } from "./routes/resources.js";
import { registerStatsRoutes } from "./routes/stats.js";
import { registerWhoamiRoutes } from "./routes/whoami.js";

export type { ApiDeps } from "./deps.js";

export function registerApi(app: FastifyInstance, deps: ApiDeps): void {
  deps.access.register(app);
  registerWhoamiRoutes(app, deps.access);
  registerDriftRoutes(app, deps);
  registerResourceRoutes(app, deps);
  registerEventRoutes(app, deps);
  registerRemediationRoutes(app, deps);
  if (deps.stats) registerStatsRoutes(app, deps.stats);
}

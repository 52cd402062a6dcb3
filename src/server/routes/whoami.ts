// /api/whoami: who the bearer token names and what they may do here (the dashboard shows it after sign-in).
import type { FastifyInstance } from "fastify";
import type { AccessGate } from "../access.js";
import { ACCESS_GROUP } from "../access.js";

const CAPABILITIES = {
  read: { resource: "drifts", verb: "list" },
  watch: { resource: "drifts", verb: "watch" },
  act: { resource: "drifts", verb: "update" },
  audit: { resource: "audit", verb: "list" },
} as const;

export function registerWhoamiRoutes(app: FastifyInstance, access: AccessGate): void {
  app.get("/api/whoami", async (req) => {
    const identity = req.identity;
    if (!identity) return { authenticated: false, username: null, groups: [], can: null };
    const can: Record<string, boolean> = {};
    for (const [name, attrs] of Object.entries(CAPABILITIES)) {
      can[name] = await access.allowed(identity, { group: ACCESS_GROUP, ...attrs }).catch(() => false);
    }
    return { authenticated: true, username: identity.username, groups: identity.groups, can };
  });
}

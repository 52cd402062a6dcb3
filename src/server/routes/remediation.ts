// /api/remediation (the mode, whether actions are enabled, the snoozes) and the audit, whole or per record.
import type { FastifyInstance } from "fastify";
import type { ApiDeps } from "../deps.js";

export function registerRemediationRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const { mode, store } = deps.remediation;

  app.get("/api/remediation", async () => {
    const snoozes = store ? [...(await store.activeSnoozes()).values()] : [];
    return { mode, actionsEnabled: deps.access.actionsPossible && mode !== "off", snoozes };
  });

  app.get<{ Params: { id: string } }>("/api/drifts/:id/audit", async (req) => {
    return { items: store ? await store.auditEntries({ recordId: req.params.id }) : [] };
  });

  app.get<{ Querystring: { limit?: string } }>("/api/audit", async (req) => {
    const limit = Number(req.query.limit ?? 100) || 100;
    return { items: store ? await store.auditEntries({ limit }) : [] };
  });
}

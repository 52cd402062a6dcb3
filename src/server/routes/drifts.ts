// /api/drifts: the records (list, one) and the actions on one (access.ts checks who may; the Remediator does the
// rest, in the name of the authenticated identity).
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { BadContinueError, type RecordPage, type RecordQuery } from "../../detector/record-store.js";
import { SEVERITIES } from "../../drift/types.js";
import { REMEDIATION_ACTIONS } from "../../remediation/types.js";
import type { ApiDeps } from "../deps.js";
import { describeZod } from "../query.js";
import { findRecord, forReader, memoryPage, summary } from "../records.js";

const listQuery = z.object({
  status: z.enum(["open", "resolved", "all"]).default("open"),
  namespace: z.string().optional(),
  severity: z.enum(SEVERITIES as [string, ...string[]]).optional(),
  cluster: z.string().optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  continue: z.string().optional(),
});

const actionBody = z.object({
  action: z.enum(REMEDIATION_ACTIONS),
  dryRun: z.boolean().default(false),
  // Accepted from older clients and ignored: the audit names the authenticated identity, never a given name.
  actor: z.string().max(200).optional(),
  // ignore's snooze time or paths and reason
  until: z.string().max(100).optional(),
  paths: z.array(z.string().max(1000)).max(200).optional(),
  reason: z.string().max(500).optional(),
});

/** Set on an action one replica forwards to the owner of the record's shard. */
export const FORWARDED_HEADER = "x-drift-forwarded";

export function registerDriftRoutes(app: FastifyInstance, deps: ApiDeps): void {
  app.get("/api/drifts", async (req, reply) => {
    const q = listQuery.safeParse(req.query);
    if (!q.success) return reply.code(400).send({ error: `bad query: ${describeZod(q.error)}` });
    const query = q.data as RecordQuery;
    let page: RecordPage;
    try {
      page = deps.store ? await deps.store.list(query) : memoryPage(deps.openRecords(), query);
    } catch (err) {
      if (err instanceof BadContinueError) return reply.code(400).send({ error: err.message });
      page = memoryPage(deps.openRecords(), query);
      reply.header("warning", '199 drift-detector "store unavailable: open records from memory"');
    }
    const reader = req.identity !== undefined;
    return { items: page.items.map((r) => summary(forReader(r, reader))), continue: page.continue ?? null };
  });

  app.get<{ Params: { id: string } }>("/api/drifts/:id", async (req, reply) => {
    const record = await findRecord(deps, req.params.id);
    if (!record) return reply.code(404).send({ error: `no drift record ${req.params.id}` });
    return forReader(record, req.identity !== undefined);
  });

  app.post<{ Params: { id: string } }>("/api/drifts/:id/actions", async (req, reply) => {
    const body = actionBody.safeParse(req.body ?? {});
    if (!body.success) {
      return reply.code(400).send({
        error: `bad request: ${describeZod(body.error)}; expected {"action": "revert"|"accept"|"ignore", "dryRun": true|false}`,
      });
    }
    const { remediator } = deps.remediation;
    if (!remediator) {
      return reply
        .code(501)
        .send({ error: "remediation needs the store (DATABASE_URL or DRIFT_DATA_DIR) for its audit" });
    }
    const { actor: _ignored, ...action } = body.data;
    // access.ts refuses an action without an identity; the fallback never names a client-given string.
    const forwarded = req.headers[FORWARDED_HEADER] !== undefined;
    return remediator.act(req.params.id, { ...action, actor: req.identity?.username ?? "unknown", forwarded });
  });
}

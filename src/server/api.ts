// The service's HTTP API (CONTRACT.md "HTTP"), on the app's fastify server: drift records from the store (or from
// memory while the store is away), the latest verdict per resource, actions (token-protected) and a live stream.
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import type { DriftEventBus } from "../detector/event-bus.js";
import { BadContinueError, type RecordPage, type RecordQuery, type RecordStore } from "../detector/record-store.js";
import type { DriftRecord } from "../detector/records.js";
import { type ResourceResult, SEVERITIES } from "../drift/types.js";
import { requireToken } from "./auth.js";
import type { Remediator } from "./remediator.js";

export interface ApiDeps {
  store?: RecordStore;
  /** Open records held in memory (every cluster), served when the store is unavailable. */
  openRecords: () => DriftRecord[];
  /** Latest verdicts: cluster name → results. */
  resources: () => Array<{ cluster: string; result: ResourceResult }>;
  bus: DriftEventBus;
  apiToken?: string;
  remediator?: Remediator;
}

const listQuery = z.object({
  status: z.enum(["open", "resolved", "all"]).default("open"),
  namespace: z.string().optional(),
  severity: z.enum(SEVERITIES as [string, ...string[]]).optional(),
  cluster: z.string().optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  continue: z.string().optional(),
});

const actionBody = z.object({
  action: z.enum(["revert", "accept", "ignore"]),
  dryRun: z.boolean().default(false),
  // remediation's extras: who approves (audit, hub revision), ignore's snooze time or paths and reason
  actor: z.string().max(200).optional(),
  until: z.string().max(100).optional(),
  paths: z.array(z.string().max(1000)).max(200).optional(),
  reason: z.string().max(500).optional(),
});

export function registerApi(app: FastifyInstance, deps: ApiDeps): void {
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
    return { items: page.items.map(summary), continue: page.continue ?? null };
  });

  app.get<{ Params: { id: string } }>("/api/drifts/:id", async (req, reply) => {
    const record = await findRecord(deps, req.params.id);
    if (!record) return reply.code(404).send({ error: `no drift record ${req.params.id}` });
    return record;
  });

  app.get("/api/resources", async (req) => {
    const q = req.query as { namespace?: string; status?: string; cluster?: string };
    const items = deps
      .resources()
      .filter(({ cluster, result }) => {
        if (q.cluster && cluster !== q.cluster) return false;
        if (q.namespace !== undefined && (result.ref.namespace ?? "") !== q.namespace) return false;
        if (q.status && result.status !== q.status) return false;
        return true;
      })
      .map(({ cluster, result }) => ({ cluster, ...result }));
    return { items };
  });

  app.post<{ Params: { id: string } }>(
    "/api/drifts/:id/actions",
    { preHandler: requireToken(deps.apiToken) },
    async (req, reply) => {
      const body = actionBody.safeParse(req.body ?? {});
      if (!body.success) {
        return reply.code(400).send({
          error: `bad request: ${describeZod(body.error)}; expected {"action": "revert"|"accept"|"ignore", "dryRun": true|false}`,
        });
      }
      const record = await findRecord(deps, req.params.id);
      if (!record) return reply.code(404).send({ error: `no drift record ${req.params.id}` });
      if (!deps.remediator) {
        return reply.code(501).send({ error: "remediation is not enabled in this build" });
      }
      return deps.remediator.remediate({ record, ...body.data });
    },
  );

  // Server-Sent Events: one `drift` event per transition, as it is announced.
  app.get("/api/events", (req, reply) => {
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
      res.write(`event: drift\ndata: ${JSON.stringify({ event: ev.event, record: summary(ev.record) })}\n\n`);
    });
    const keepAlive = setInterval(() => res.write(": keep-alive\n\n"), 15_000);
    keepAlive.unref();
    req.raw.on("close", () => {
      clearInterval(keepAlive);
      unsubscribe();
    });
  });
}

async function findRecord(deps: ApiDeps, id: string): Promise<DriftRecord | undefined> {
  try {
    const stored = await deps.store?.get(id);
    if (stored) return stored;
  } catch {
    // store away: memory below
  }
  return deps.openRecords().find((r) => r.id === id);
}

/** The list form of a record: everything but the (possibly long) history. */
function summary(r: DriftRecord) {
  const { history, ...rest } = r;
  return { ...rest, events: history.length };
}

function memoryPage(records: DriftRecord[], q: RecordQuery): RecordPage {
  const status = q.status ?? "open";
  const items = records
    .filter((r) => status === "all" || r.status === status)
    .filter((r) => q.namespace === undefined || (r.ref.namespace ?? "") === q.namespace)
    .filter((r) => !q.severity || r.severity === q.severity)
    .filter((r) => !q.cluster || r.cluster === q.cluster)
    .sort((a, b) => (a.openedAt < b.openedAt ? 1 : -1));
  const offset = Number(q.continue ? Buffer.from(q.continue, "base64url").toString().replace(/\D/g, "") : 0) || 0;
  const limit = q.limit ?? 100;
  const next =
    offset + limit < items.length
      ? Buffer.from(JSON.stringify({ o: offset + limit })).toString("base64url")
      : undefined;
  return { items: items.slice(offset, offset + limit), continue: next };
}

function describeZod(err: z.ZodError): string {
  return err.issues.map((i) => `${i.path.join(".") || "body"}: ${i.message}`).join("; ");
}

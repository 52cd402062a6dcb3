// The dashboard's fleet page: drift over time and the mean time to resolve, from the stored history, and the
// environment matrix, from the hub sources' units and the latest verdicts (CONTRACT.md "HTTP").
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import type { DesiredUnit } from "../../desired/source.js";
import type { ResourceResult, Severity } from "../../drift/types.js";
import { errorMessage } from "../../lib/errors.js";
import { environmentMatrix } from "../environment-matrix.js";

/** The stored history's aggregates (src/detector/record-stats.ts). */
export interface HistoryStats {
  timeline(
    bucketSeconds: number,
    since: Date,
  ): Promise<Array<{ at: number; severity: Severity; opened: number; resolved: number }>>;
  resolution(since: Date): Promise<Array<{ space: string; resolved: number; meanSeconds: number }>>;
}

export interface StatsDeps {
  /** Absent without a store: there is no history to chart. */
  history?: HistoryStats;
  units: () => DesiredUnit[];
  results: () => ResourceResult[];
  now?: () => Date;
}

const BUCKETS = { hour: { seconds: 3600, count: 48 }, day: { seconds: 86400, count: 30 } } as const;

const timelineQuery = z.object({
  bucket: z.enum(["hour", "day"]).default("hour"),
  buckets: z.coerce.number().int().min(1).max(400).optional(),
});
const resolutionQuery = z.object({ days: z.coerce.number().int().min(1).max(400).default(30) });

export function registerStatsRoutes(app: FastifyInstance, deps: StatsDeps): void {
  const now = deps.now ?? (() => new Date());
  const noHistory = { error: "no drift history: the service runs without a store" };

  app.get("/api/stats/timeline", async (req, reply) => {
    const q = timelineQuery.safeParse(req.query);
    if (!q.success) return reply.code(400).send({ error: `bad query: ${q.error.issues[0]?.message}` });
    if (!deps.history) return reply.code(503).send(noHistory);
    const { seconds, count } = BUCKETS[q.data.bucket];
    const until = now().getTime() / 1000;
    // Whole buckets: the first starts on a boundary, the last holds now.
    const since = (Math.floor(until / seconds) - ((q.data.buckets ?? count) - 1)) * seconds;
    try {
      const items = await deps.history.timeline(seconds, new Date(since * 1000));
      return { bucket: q.data.bucket, bucketSeconds: seconds, since, until, items };
    } catch (err) {
      return reply.code(503).send({ error: `store unavailable: ${errorMessage(err)}` });
    }
  });

  app.get("/api/stats/resolution", async (req, reply) => {
    const q = resolutionQuery.safeParse(req.query);
    if (!q.success) return reply.code(400).send({ error: `bad query: ${q.error.issues[0]?.message}` });
    if (!deps.history) return reply.code(503).send(noHistory);
    const since = new Date(now().getTime() - q.data.days * 86400_000);
    try {
      return { since: since.toISOString(), items: await deps.history.resolution(since) };
    } catch (err) {
      return reply.code(503).send({ error: `store unavailable: ${errorMessage(err)}` });
    }
  });

  app.get("/api/stats/environments", async () => ({ chains: environmentMatrix(deps.units(), deps.results()) }));
}

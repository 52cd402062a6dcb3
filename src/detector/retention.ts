// Retention: what the store keeps of the past. Resolved drift records (with their analyses in the cache and their
// expired snoozes) older than DRIFT_HISTORY_RETENTION, and remediation audit entries older than
// DRIFT_AUDIT_RETENTION, are deleted in the background, in small batches so that no statement holds the store for
// long. Never an open record, nor anything an open record still refers to (its audit, analysis and snooze). One
// file for the four tables because the rule is one: what an open record needs stays.
import type { Logger } from "pino";
import { Counter, type Registry } from "prom-client";
import { errorMessage } from "../lib/errors.js";
import type { Database } from "../store/database.js";

export interface RetentionPolicy {
  historyMs: number;
  auditMs: number;
  /** Rows per delete statement (default 500). */
  batchSize?: number;
}

export interface PruneCounts {
  records: number;
  analyses: number;
  snoozes: number;
  audit: number;
}

const OPEN_RECORD = "select 1 from drift_record r where r.status = 'open'";

// Each statement deletes at most $2 rows older than $1 and returns one row per deleted row.
const PRUNE: Record<keyof PruneCounts, { cutoff: "history" | "audit"; sql: string }> = {
  records: {
    cutoff: "history",
    sql: `delete from drift_record where id in (
      select id from drift_record where status <> 'open' and coalesce(resolved_at, updated_at) < $1 limit $2
    ) returning 1`,
  },
  analyses: {
    cutoff: "history",
    sql: `delete from drift_analysis_cache where fingerprint in (
      select c.fingerprint from drift_analysis_cache c
      where c.created_at < $1 and not exists (${OPEN_RECORD} and r.fingerprint = c.fingerprint) limit $2
    ) returning 1`,
  },
  snoozes: {
    cutoff: "history",
    sql: `delete from remediation_snooze where record_id in (
      select s.record_id from remediation_snooze s
      where s.until < $1 and not exists (${OPEN_RECORD} and r.id::text = s.record_id) limit $2
    ) returning 1`,
  },
  audit: {
    cutoff: "audit",
    sql: `delete from audit_remediation where id in (
      select a.id from audit_remediation a
      where a.at < $1 and not exists (${OPEN_RECORD} and r.id::text = a.record_id) limit $2
    ) returning 1`,
  },
};

/**
 * One pass over every table, batch after batch until nothing older than the policy is left (or `signal` aborts: a
 * shutdown does not wait for a long backlog; the next pass goes on with it).
 */
export async function pruneOnce(
  db: Database,
  policy: RetentionPolicy,
  now = new Date(),
  signal?: AbortSignal,
): Promise<PruneCounts> {
  const batch = policy.batchSize ?? 500;
  const cutoffs = {
    history: new Date(now.getTime() - policy.historyMs),
    audit: new Date(now.getTime() - policy.auditMs),
  };
  const counts: PruneCounts = { records: 0, analyses: 0, snoozes: 0, audit: 0 };
  for (const [table, { cutoff, sql }] of Object.entries(PRUNE) as [keyof PruneCounts, (typeof PRUNE)["records"]][]) {
    while (!signal?.aborted) {
      const deleted = (await db.query(sql, [cutoffs[cutoff], batch])).length;
      counts[table] += deleted;
      if (deleted < batch) break;
      // Let the detection's writes in between batches (PGlite runs one statement at a time).
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
  // PGlite runs no autovacuum: without this the space of deleted rows would never be used again.
  if (db.kind === "pglite" && Object.values(counts).some((n) => n > 0)) {
    await db.exec("vacuum drift_record, drift_analysis_cache, remediation_snooze, audit_remediation");
  }
  return counts;
}

export interface RetentionLoop {
  stop(): Promise<void>;
}

/**
 * Prunes once shortly after the start and then every `everyMs` (default 1 h), counting what it deleted in
 * `drift_detector_retention_deleted_total{table}`. A failure is one warning; the next pass tries again. Several
 * replicas may prune the same PostgreSQL: a row is deleted once, whoever gets there.
 */
export function startRetention(
  db: Database,
  policy: RetentionPolicy,
  { logger, registry }: { logger: Logger; registry: Registry },
  { firstMs = 60_000, everyMs = 3_600_000 } = {},
): RetentionLoop {
  const deleted = new Counter({
    name: "drift_detector_retention_deleted_total",
    help: "Rows deleted by retention: resolved records, their analyses and snoozes, audit entries",
    labelNames: ["table"],
    registers: [registry],
  });
  for (const table of Object.keys(PRUNE)) deleted.inc({ table }, 0);
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  const stopping = new AbortController();
  const pass = async () => {
    try {
      const counts = await pruneOnce(db, policy, new Date(), stopping.signal);
      for (const [table, n] of Object.entries(counts)) deleted.inc({ table }, n);
      if (Object.values(counts).some((n) => n > 0)) logger.info({ pruned: counts }, "retention: old history deleted");
    } catch (err) {
      logger.warn({ err: errorMessage(err) }, "retention: pruning failed; trying again at the next pass");
    }
  };
  const schedule = (ms: number) => {
    if (stopping.signal.aborted) return;
    timer = setTimeout(() => {
      running = pass().finally(() => {
        running = undefined;
        schedule(everyMs);
      });
    }, ms);
    timer.unref();
  };
  schedule(firstMs);
  return {
    async stop() {
      stopping.abort();
      clearTimeout(timer);
      await running;
    },
  };
}

// Aggregates over the stored drift history, for the dashboard's charts: records opened and resolved per time bucket
// by severity, and the mean time to resolve by space. Computed in SQL (both stores), so the history is never loaded.
import { SEVERITIES, type Severity } from "../drift/types.js";
import type { Database } from "../store/database.js";

export interface TimelineBucket {
  /** Start of the bucket, Unix seconds (UTC). */
  at: number;
  severity: Severity;
  opened: number;
  resolved: number;
}

export interface SpaceResolution {
  /** The hub space of the records (`(directory)` for a directory source). */
  space: string;
  resolved: number;
  meanSeconds: number;
}

const SPACE = `coalesce(record->'source'->>'space', '(directory)')`;

export class RecordStats {
  constructor(private readonly db: Database) {}

  /** Opened and resolved counts per bucket of `bucketSeconds` since `since`, by the record's severity. */
  async timeline(bucketSeconds: number, since: Date): Promise<TimelineBucket[]> {
    const size = Math.max(1, Math.floor(bucketSeconds));
    const bucket = (column: string) => `(floor(extract(epoch from ${column}) / ${size}) * ${size})::float8`;
    const rows = await this.db.query<{ at: number; severity: Severity; event: string; n: number }>(
      `select ${bucket("opened_at")} as at, severity, 'opened' as event, count(*)::int as n
         from drift_record where opened_at >= $1 group by 1, 2
       union all
       select ${bucket("resolved_at")} as at, severity, 'resolved' as event, count(*)::int as n
         from drift_record where resolved_at >= $1 group by 1, 2`,
      [since.toISOString()],
    );
    const byKey = new Map<string, TimelineBucket>();
    for (const r of rows) {
      const at = Number(r.at);
      const key = `${at}|${r.severity}`;
      const b = byKey.get(key) ?? { at, severity: r.severity, opened: 0, resolved: 0 };
      if (r.event === "opened") b.opened += Number(r.n);
      else b.resolved += Number(r.n);
      byKey.set(key, b);
    }
    return [...byKey.values()].sort(
      (a, b) => a.at - b.at || SEVERITIES.indexOf(a.severity) - SEVERITIES.indexOf(b.severity),
    );
  }

  /** Records resolved since `since`, by space: how many and how long they stayed open on average. */
  async resolution(since: Date): Promise<SpaceResolution[]> {
    const rows = await this.db.query<{ space: string; n: number; mean: number }>(
      `select ${SPACE} as space, count(*)::int as n,
              avg(extract(epoch from resolved_at - opened_at))::float8 as mean
         from drift_record where status = 'resolved' and resolved_at >= $1
         group by 1 order by 1`,
      [since.toISOString()],
    );
    return rows.map((r) => ({ space: r.space, resolved: Number(r.n), meanSeconds: Number(r.mean) }));
  }
}

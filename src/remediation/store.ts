// Remediation's state in the store: the audit (who, when, what, outcome), ignore rules added from drift records
// (in the engine's IgnoreRule format, docs/ignore-rules.md) and snoozes.
import type { Snooze } from "../detector/snooze-watch.js";
import type { IgnoreRule } from "../drift/engine.js";
import type { Database } from "../store/database.js";
import type { ActionOutcomeKind, RemediationAction } from "./types.js";

export interface AuditEntry {
  id: number;
  at: string;
  actor: string;
  action: RemediationAction;
  dryRun: boolean;
  recordId: string;
  /** `Deployment qa/backend` */
  resource: string;
  cluster: string;
  paths: string[];
  outcome: ActionOutcomeKind;
  message: string;
  /** revision written, fields changed, snooze time, rule id: never a Secret value. */
  details: Record<string, unknown>;
}

export type NewAuditEntry = Omit<AuditEntry, "id" | "at"> & { at?: Date };

interface AuditRow {
  id: string | number;
  at: Date | string;
  actor: string;
  action: RemediationAction;
  dry_run: boolean;
  record_id: string;
  resource: string;
  cluster: string;
  paths: string[] | string;
  outcome: ActionOutcomeKind;
  message: string;
  details: Record<string, unknown> | string;
}

const json = <T>(v: T | string): T => (typeof v === "string" ? (JSON.parse(v) as T) : v);
const iso = (v: Date | string): string => (v instanceof Date ? v : new Date(v)).toISOString();

export class RemediationStore {
  constructor(private readonly db: Database) {}

  async audit(entry: NewAuditEntry): Promise<AuditEntry> {
    const rows = await this.db.query<AuditRow>(
      `insert into audit_remediation (at, actor, action, dry_run, record_id, resource, cluster, paths, outcome, message, details)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) returning *`,
      [
        entry.at ?? new Date(),
        entry.actor,
        entry.action,
        entry.dryRun,
        entry.recordId,
        entry.resource,
        entry.cluster,
        JSON.stringify(entry.paths),
        entry.outcome,
        entry.message,
        JSON.stringify(entry.details),
      ],
    );
    return toEntry(rows[0]!);
  }

  /** Newest first; for one record, or all. */
  async auditEntries(
    opts: { recordId?: string; limit?: number; includeDryRuns?: boolean } = {},
  ): Promise<AuditEntry[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (opts.recordId) {
      params.push(opts.recordId);
      where.push(`record_id = $${params.length}`);
    }
    if (opts.includeDryRuns === false) where.push("not dry_run");
    params.push(Math.min(Math.max(opts.limit ?? 100, 1), 1000));
    const rows = await this.db.query<AuditRow>(
      `select * from audit_remediation ${where.length ? `where ${where.join(" and ")}` : ""} order by id desc limit $${params.length}`,
      params,
    );
    return rows.map(toEntry);
  }

  async addIgnoreRule(recordId: string, rule: IgnoreRule, createdBy: string): Promise<number> {
    const rows = await this.db.query<{ id: string | number }>(
      "insert into remediation_ignore_rule (created_at, created_by, record_id, rule) values ($1, $2, $3, $4) returning id",
      [new Date(), createdBy, recordId, JSON.stringify(rule)],
    );
    return Number(rows[0]!.id);
  }

  /** The rules added from drift records, for the engine (merged with the configured ones). */
  async ignoreRules(): Promise<IgnoreRule[]> {
    const rows = await this.db.query<{ rule: IgnoreRule | string }>(
      "select rule from remediation_ignore_rule order by id",
    );
    return rows.map((r) => json(r.rule));
  }

  async snooze(recordId: string, until: Date, createdBy: string): Promise<void> {
    await this.db.query(
      `insert into remediation_snooze (record_id, until, created_at, created_by) values ($1, $2, $3, $4)
       on conflict (record_id) do update set until = excluded.until, created_at = excluded.created_at, created_by = excluded.created_by`,
      [recordId, until, new Date(), createdBy],
    );
  }

  /** Snoozes still running at `now`, by record id. */
  async activeSnoozes(now = new Date()): Promise<Map<string, Snooze>> {
    const rows = await this.db.query<{ record_id: string; until: Date | string; created_by: string }>(
      "select record_id, until, created_by from remediation_snooze where until > $1",
      [now],
    );
    return new Map(
      rows.map((r) => [r.record_id, { recordId: r.record_id, until: iso(r.until), createdBy: r.created_by }]),
    );
  }
}

function toEntry(r: AuditRow): AuditEntry {
  return {
    id: Number(r.id),
    at: iso(r.at),
    actor: r.actor,
    action: r.action,
    dryRun: r.dry_run,
    recordId: r.record_id,
    resource: r.resource,
    cluster: r.cluster,
    paths: json(r.paths),
    outcome: r.outcome,
    message: r.message,
    details: json(r.details),
  };
}

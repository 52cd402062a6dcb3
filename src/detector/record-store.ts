// DriftRecords in the store. Transitions are compare-and-set, so that of two processes believing they lead (the
// moment of a leader change), exactly one wins each transition and only the winner announces it.

import type { Severity } from "../drift/types.js";
import { ExpectedError } from "../lib/errors.js";
import { type Database, PG_UNIQUE_VIOLATION, pgErrorCode, type Queryable } from "../store/database.js";
import { fromJsonb, toJsonb } from "../store/jsonb.js";
import type { DriftRecord, DriftRecordStatus } from "./records.js";

export interface RecordQuery {
  status?: DriftRecordStatus | "all";
  namespace?: string;
  severity?: Severity;
  cluster?: string;
  limit?: number;
  /** Opaque token from the previous page. */
  continue?: string;
}

export interface RecordPage {
  items: DriftRecord[];
  continue?: string;
}

interface Row {
  record: DriftRecord | string;
}

const parse = (row: Row): DriftRecord => fromJsonb<DriftRecord>(row.record);

export class RecordStore {
  constructor(private readonly db: Database) {}

  async loadOpen(cluster: string): Promise<DriftRecord[]> {
    const rows = await this.db.query<Row>("select record from drift_record where cluster = $1 and status = 'open'", [
      cluster,
    ]);
    return rows.map(parse);
  }

  /** Inserts a new open record; when the object already has one (another process was faster), returns that one. */
  async open(rec: DriftRecord): Promise<{ inserted: true } | { inserted: false; existing: DriftRecord | undefined }> {
    try {
      await this.insert(this.db, rec);
      return { inserted: true };
    } catch (err) {
      if (pgErrorCode(err) !== PG_UNIQUE_VIOLATION) throw err;
      const rows = await this.db.query<Row>(
        "select record from drift_record where cluster = $1 and object_key = $2 and status = 'open'",
        [rec.cluster, rec.key],
      );
      return { inserted: false, existing: rows[0] ? parse(rows[0]) : undefined };
    }
  }

  /** Writes `rec` if the stored record still has `expectedFingerprint` and is open; false when someone else moved it. */
  async transition(rec: DriftRecord, expectedFingerprint: string): Promise<boolean> {
    const rows = await this.db.query(
      `update drift_record set status = $2, severity = $3, fingerprint = $4, record = $5, updated_at = $6, resolved_at = $7
       where id = $1 and status = 'open' and fingerprint = $8 returning id`,
      [
        rec.id,
        rec.status,
        rec.severity,
        rec.fingerprint,
        toJsonb(rec),
        rec.updatedAt,
        rec.resolvedAt,
        expectedFingerprint,
      ],
    );
    return rows.length === 1;
  }

  /** Unconditional write (retries after the store was away, analysis attached later). */
  async save(rec: DriftRecord): Promise<void> {
    await this.db.transaction(async (tx) => {
      const rows = await tx.query("select 1 from drift_record where id = $1", [rec.id]);
      if (rows.length === 0) await this.insert(tx, rec);
      else
        await tx.query(
          `update drift_record set status = $2, severity = $3, fingerprint = $4, record = $5, updated_at = $6, resolved_at = $7
           where id = $1`,
          [rec.id, rec.status, rec.severity, rec.fingerprint, toJsonb(rec), rec.updatedAt, rec.resolvedAt],
        );
    });
  }

  async get(id: string): Promise<DriftRecord | undefined> {
    if (!/^[0-9a-f-]{36}$/i.test(id)) return undefined;
    const rows = await this.db.query<Row>("select record from drift_record where id = $1", [id]);
    return rows[0] ? parse(rows[0]) : undefined;
  }

  /** Newest first; the continue token is the offset of the next page. */
  async list(q: RecordQuery): Promise<RecordPage> {
    const where: string[] = [];
    const params: unknown[] = [];
    const status = q.status ?? "open";
    if (status !== "all") where.push(`status = $${params.push(status)}`);
    if (q.namespace !== undefined) where.push(`namespace = $${params.push(q.namespace)}`);
    if (q.severity) where.push(`severity = $${params.push(q.severity)}`);
    if (q.cluster) where.push(`cluster = $${params.push(q.cluster)}`);
    const limit = Math.min(Math.max(q.limit ?? 100, 1), 1000);
    const offset = decodeContinue(q.continue);
    const sql = `select record from drift_record ${where.length ? `where ${where.join(" and ")}` : ""}
      order by opened_at desc, id limit ${limit + 1} offset ${offset}`;
    const rows = await this.db.query<Row>(sql, params);
    const items = rows.slice(0, limit).map(parse);
    return { items, continue: rows.length > limit ? encodeContinue(offset + limit) : undefined };
  }

  private async insert(db: Queryable, rec: DriftRecord): Promise<void> {
    await db.query(
      `insert into drift_record (id, cluster, object_key, namespace, kind, name, status, severity, fingerprint, record,
         opened_at, updated_at, resolved_at)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
      [
        rec.id,
        rec.cluster,
        rec.key,
        rec.ref.namespace ?? "",
        rec.ref.kind,
        rec.ref.name,
        rec.status,
        rec.severity,
        rec.fingerprint,
        toJsonb(rec),
        rec.openedAt,
        rec.updatedAt,
        rec.resolvedAt,
      ],
    );
  }
}

export class BadContinueError extends ExpectedError {
  override readonly name = "BadContinueError";
}

function encodeContinue(offset: number): string {
  return Buffer.from(JSON.stringify({ o: offset })).toString("base64url");
}

function decodeContinue(token: string | undefined): number {
  if (!token) return 0;
  try {
    const o = (JSON.parse(Buffer.from(token, "base64url").toString()) as { o?: unknown }).o;
    if (typeof o === "number" && Number.isInteger(o) && o >= 0) return o;
  } catch {
    // fall through
  }
  throw new BadContinueError("invalid continue token: pass the value of `continue` from the previous page");
}

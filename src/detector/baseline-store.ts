// The baselines of one cluster's objects (detection/baselines.ts) kept in the store: read once when the detector
// starts, written after each detection for the entries that changed (rarely: unowned values are mostly defaults).
// A store that fails keeps them in memory, dirty, until a later write succeeds; losing them only means the known
// defaults decide until the next observation.
import { type BaselineEntry, MemoryBaselines } from "../detection/baselines.js";
import { jsonEqual } from "../lib/json.js";
import type { Database } from "../store/database.js";
import { fromJsonb, toJsonb } from "../store/jsonb.js";

/** Rows per insert statement. */
const BATCH = 1000;

interface Row {
  object_key: string;
  uid: string;
  desired_hash: string;
  values: unknown;
}

export class StoredBaselines extends MemoryBaselines {
  private readonly dirty = new Set<string>();
  private readonly removed = new Set<string>();

  constructor(
    private readonly db: Database,
    private readonly cluster: string,
  ) {
    super();
  }

  async load(): Promise<void> {
    const rows = await this.db.query<Row>(
      `select object_key, uid, desired_hash, "values" from drift_baseline where cluster = $1`,
      [this.cluster],
    );
    for (const r of rows)
      this.entries.set(r.object_key, { uid: r.uid, desired: r.desired_hash, values: fromJsonb(r.values) });
  }

  override set(key: string, entry: BaselineEntry): void {
    const old = this.entries.get(key);
    if (old && old.uid === entry.uid && old.desired === entry.desired && jsonEqual(old.values, entry.values)) return;
    super.set(key, entry);
    this.dirty.add(key);
    this.removed.delete(key);
  }

  override retain(keys: Set<string>): string[] {
    const gone = super.retain(keys);
    for (const k of gone) {
      this.dirty.delete(k);
      this.removed.add(k);
    }
    return gone;
  }

  /** Writes what changed since the last flush; throws (keeping it dirty) when the store fails. */
  async flush(): Promise<void> {
    if (this.dirty.size === 0 && this.removed.size === 0) return;
    const dirty = [...this.dirty].map((key) => [key, this.entries.get(key)] as const);
    const removed = [...this.removed];
    await this.db.transaction(async (tx) => {
      // Many rows per statement: a first detection sets an entry for every object (10,000 single-row upserts cost
      // the embedded store over a second).
      const rows = dirty.flatMap(([key, e]) => (e ? [[key, e] as const] : []));
      for (let i = 0; i < rows.length; i += BATCH) {
        const batch = rows.slice(i, i + BATCH);
        await tx.query(
          `insert into drift_baseline (cluster, object_key, uid, desired_hash, "values", updated_at)
           select $1, k, u, d, v::jsonb, now() from unnest($2::text[], $3::text[], $4::text[], $5::text[]) as t(k, u, d, v)
           on conflict (cluster, object_key) do update
             set uid = excluded.uid, desired_hash = excluded.desired_hash, "values" = excluded."values",
                 updated_at = now()`,
          [
            this.cluster,
            batch.map(([key]) => key),
            batch.map(([, e]) => e.uid),
            batch.map(([, e]) => e.desired),
            batch.map(([, e]) => toJsonb(e.values)),
          ],
        );
      }
      if (removed.length)
        await tx.query("delete from drift_baseline where cluster = $1 and object_key = any($2)", [
          this.cluster,
          removed,
        ]);
    });
    // An entry set again while this was written stays dirty.
    for (const [k, e] of dirty) if (this.entries.get(k) === e) this.dirty.delete(k);
    for (const k of removed) this.removed.delete(k);
  }
}

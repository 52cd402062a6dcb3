// The admission writes in the store, so that the replica that correlates (the leader) sees the writes the apiserver
// sent to any replica. Bounded by age like the memory buffer; a store that fails costs only that write's identity.
import type { Database } from "../store/database.js";
import { fromJsonb, toJsonb } from "../store/jsonb.js";
import type { AdmissionWrite } from "./types.js";

export class SharedWrites {
  constructor(
    private readonly db: Database,
    private readonly maxAgeMs: number,
  ) {}

  async add(write: AdmissionWrite): Promise<void> {
    if (write.dryRun) return;
    await this.db.query("insert into identity_write (object_uid, at, write) values ($1, $2, $3)", [
      write.objectUid,
      new Date(write.at).toISOString(),
      toJsonb(write),
    ]);
  }

  /** The writes to one object, oldest first. */
  async forObject(objectUid: string, now: number): Promise<AdmissionWrite[]> {
    const rows = await this.db.query<{ write: unknown }>(
      "select write from identity_write where object_uid = $1 and at >= $2 order by at",
      [objectUid, new Date(now - this.maxAgeMs).toISOString()],
    );
    return rows.map((r) => fromJsonb<AdmissionWrite>(r.write));
  }

  /** Deletes what is older than the bound: personal data is not kept longer than correlation needs it. */
  async prune(now: number): Promise<void> {
    await this.db.query("delete from identity_write where at < $1", [new Date(now - this.maxAgeMs).toISOString()]);
  }
}

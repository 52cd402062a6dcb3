// Drift records as the API serves them: from the store, or from memory while the store is away.
import type { RecordPage, RecordQuery } from "../detector/record-store.js";
import type { DriftRecord } from "../detector/records.js";
import { withholdPerson } from "../identity/personal-data.js";
import type { ApiDeps } from "./deps.js";

export async function findRecord(deps: ApiDeps, id: string): Promise<DriftRecord | undefined> {
  try {
    const stored = await deps.store?.get(id);
    if (stored) return stored;
  } catch {
    // store away: memory below
  }
  return deps.openRecords().find((r) => r.id === id);
}

/** The list form of a record: everything but the (possibly long) history. */
export function summary(r: DriftRecord) {
  const { history, ...rest } = r;
  return { ...rest, events: history.length };
}

export function memoryPage(records: DriftRecord[], q: RecordQuery): RecordPage {
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

/** A record as this reader may see it: who changed it only for an authenticated reader. */
export function forReader(r: DriftRecord, authenticated: boolean): DriftRecord {
  return authenticated ? r : withholdPerson(r);
}

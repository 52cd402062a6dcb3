// `accept`: the hub takes the live value. The live values of the drifted paths are written into the unit's data
// as a new revision, guarded by If-Match on the data the edit was made from, so the fix survives the next
// promotion. Masked Secret values are refused: the hub would store "***".
import { changeAuthors, describeRef } from "../detector/records.js";
import { maskUnitText } from "./mask-text.js";
import { unifiedDiff } from "./text-diff.js";
import { type Action, type DriftRecordView, type HubUnitAccess, RemediationError } from "./types.js";
import { acceptIntoUnitData, UnitEditError } from "./unit-edit.js";

/** The verb: preview the unit's new data as a diff, or write it as a revision and verify by re-detection. */
export const accept: Action = async ({ record, request, target }) => {
  const base = { action: request.action, dryRun: request.dryRun, recordId: record.id };
  const out = await acceptDrift(target.hubFor?.(record.source), record, request.actor, request.dryRun);
  const src = record.source.type === "file" ? "" : `${record.source.space}/${record.source.unit}`;
  const details = { revision: out.revision, unit: src, description: out.description };
  if (request.dryRun) {
    const message = `would write revision ${out.revision} of ${src} with the live values`;
    return { result: { ...base, outcome: "previewed", message, diff: out.diff, revision: out.revision }, details };
  }
  const state = await target.redetect(record, { reloadDesired: true });
  const message =
    state === "resolved"
      ? `accepted into ${src} as revision ${out.revision}; the drift is resolved`
      : `wrote revision ${out.revision} of ${src}, but re-detection still finds drift (is the new revision the one compared?)`;
  return {
    result: {
      ...base,
      outcome: state === "resolved" ? "succeeded" : "failed",
      message,
      diff: out.diff,
      revision: out.revision,
      recordState: state,
    },
    details,
  };
};

export interface AcceptOutcome {
  revision: number;
  diff: string;
  description: string;
}

export async function acceptDrift(
  hub: HubUnitAccess | undefined,
  record: DriftRecordView,
  actor: string,
  dryRun: boolean,
): Promise<AcceptOutcome> {
  const { source } = record;
  if (source.type === "file") {
    throw new RemediationError(
      422,
      `accept writes into the hub, but ${describeRef(record.ref)} comes from the file ${source.path}: edit that file (or revert the cluster)`,
    );
  }
  if (!hub) throw new RemediationError(501, `no ${source.type} client is configured to accept into ${source.space}`);
  if (record.resourceStatus === "Missing") {
    throw new RemediationError(
      422,
      `${describeRef(record.ref)} is missing from the cluster: there is no live value to accept (revert creates it)`,
    );
  }
  const masked = record.changes.filter((c) => c.masked || containsMask(c.live));
  if (masked.length > 0) {
    throw new RemediationError(
      422,
      `cannot accept ${masked.map((c) => c.field).join(", ")}: Secret values are masked and never written; change the Secret in the hub directly`,
    );
  }
  if (record.changes.length === 0) throw new RemediationError(422, `the drift record names no changed fields`);

  const head = await hub.headRevision(source.space, source.unit);
  if (head !== source.revision) {
    throw new RemediationError(
      409,
      `unit ${source.space}/${source.unit} changed since the drift was detected (revision ${source.revision} → ${head}); nothing written: re-detect and review`,
    );
  }
  const { data, etag } = await hub.getData(source.space, source.unit);
  let next: string;
  try {
    next = acceptIntoUnitData(data, record.ref, record.changes);
  } catch (err) {
    if (err instanceof UnitEditError)
      throw new RemediationError(422, `cannot edit unit ${source.unit}: ${err.message}`);
    throw err;
  }
  // The preview is shown and audited: secret values in the unit's other lines are masked there too.
  const diff = unifiedDiff(maskUnitText(data), maskUnitText(next), { name: `${source.space}/${source.unit}` });
  const description = describeAccept(record, actor);
  if (dryRun) return { revision: head + 1, diff, description };
  const revision = await hub.putData(source.space, source.unit, next, { ifMatch: etag, description });
  return { revision, diff, description };
}

/** Names the drift, who made it and who accepted it: the revision history tells the story on its own. */
export function describeAccept(record: DriftRecordView, actor: string): string {
  const fields = record.changes.map((c) => c.field);
  const shown =
    fields.length > 3 ? `${fields.slice(0, 3).join(", ")} and ${fields.length - 3} more` : fields.join(", ");
  const authors = changeAuthors(record.changes);
  const times = record.changes.map((c) => c.by?.time).filter((t): t is string => !!t);
  const when = times.length > 0 ? ` at ${times.sort().at(-1)}` : "";
  const by = authors.length > 0 ? `changed by ${authors.join(", ")}${when}` : "changed by an unknown writer";
  return `Accept live drift of ${describeRef(record.ref)} (${shown}), ${by}; accepted by ${actor} via drift-detector (record ${record.id})`;
}

// Defense in depth: a masked value ("***…") must never reach the hub even if a change forgot its flag.
function containsMask(value: unknown): boolean {
  if (typeof value === "string") return value.startsWith("***");
  if (Array.isArray(value)) return value.some(containsMask);
  if (value && typeof value === "object") return Object.values(value).some(containsMask);
  return false;
}

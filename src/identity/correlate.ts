import type { Change } from "../drift/types.js";
import { digestAt } from "./changed-paths.js";
import { pointersOverlap } from "./pointer.js";
import type { AdmissionWrite, KnownChangedBy } from "./types.js";

export interface DriftEvidence {
  objectUid: string;
  /** The live object now: a write explains a change only while the object still holds what that write left. */
  live: unknown;
  changes: readonly Change[];
  /** Epoch milliseconds: the drift's observation time, used when a change carries no managedFields time. */
  observedAt: number;
}

/**
 * The newest write that explains the drift: same object, a field manager that wrote one of the changes, a path
 * overlapping that change whose value the live object still holds (a later write the webhook was not sent, by a
 * controller, would not), and a time within the window of the change. No such write → unknown, never a guess.
 */
export function correlate(
  writes: readonly AdmissionWrite[],
  drift: DriftEvidence,
  windowMs: number,
): KnownChangedBy | { known: false } {
  let best: AdmissionWrite | null = null;
  for (const w of writes) {
    if (w.dryRun || w.objectUid !== drift.objectUid) continue;
    if (!drift.changes.some((c) => explains(w, c, drift, windowMs))) continue;
    if (best === null || w.at > best.at) best = w;
  }
  if (best === null) return { known: false };
  return {
    known: true,
    person: best.user,
    via: best.manager,
    operation: best.operation,
    subresource: best.subresource,
    at: new Date(best.at).toISOString(),
  };
}

function explains(w: AdmissionWrite, c: Change, drift: DriftEvidence, windowMs: number): boolean {
  // A write that names no field manager gets one from its client's user agent, which the webhook is not told: such
  // a write is judged by the rest (the object, the value it left, the time).
  if (c.by === null || (w.manager !== "" && c.by.manager !== w.manager)) return false;
  const overlapping = w.paths.filter((p) => pointersOverlap(p, c.path));
  if (overlapping.length === 0 || !overlapping.every((p) => digestAt(drift.live, p) === w.digests[p])) return false;
  const observedAt = drift.observedAt;
  const changedAt = c.by.time === null ? observedAt : Date.parse(c.by.time);
  // managedFields times have second precision and the write lands before it is observed.
  return w.at >= changedAt - windowMs && w.at <= Math.max(changedAt, observedAt) + windowMs;
}

import type { Change } from "../drift/types.js";
import { pointersOverlap } from "./pointer.js";
import type { AdmissionWrite, KnownChangedBy } from "./types.js";

export interface DriftEvidence {
  objectUid: string;
  changes: readonly Change[];
  /** Epoch milliseconds: the drift's observation time, used when a change carries no managedFields time. */
  observedAt: number;
}

/**
 * The newest write that explains the drift: same object, a field manager that wrote one of the changes, a path
 * overlapping that change, and a time within the window of the change. No such write → unknown, never a guess.
 */
export function correlate(
  writes: readonly AdmissionWrite[],
  drift: DriftEvidence,
  windowMs: number,
): KnownChangedBy | { known: false } {
  let best: AdmissionWrite | null = null;
  for (const w of writes) {
    if (w.dryRun || w.objectUid !== drift.objectUid) continue;
    if (!drift.changes.some((c) => explains(w, c, drift.observedAt, windowMs))) continue;
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

function explains(w: AdmissionWrite, c: Change, observedAt: number, windowMs: number): boolean {
  if (c.by === null || c.by.manager !== w.manager) return false;
  if (!w.paths.some((p) => pointersOverlap(p, c.path))) return false;
  const changedAt = c.by.time === null ? observedAt : Date.parse(c.by.time);
  // managedFields times have second precision and the write lands before it is observed.
  return w.at >= changedAt - windowMs && w.at <= Math.max(changedAt, observedAt) + windowMs;
}

/**
 * The drift engine: one desired object and its live counterpart in, one verdict out. Pure: no I/O, no clock.
 *
 * Two comparison modes, one verdict:
 * - `client` (read-only identity): desired is normalized locally (quantities, Secret stringData → data, server-owned
 *   metadata dropped) and compared with live. Declared fields must match. Live-only fields are drift only when an
 *   imperative manager owns them (managedFields) and their value is not a known server default (defaults.ts) or a
 *   server-allocated value.
 * - `server` (needs `patch`): the caller runs a server-side apply dry-run of desired onto live (`serverApplied`) and a
 *   dry-run create of desired under a generated name (`serverDefaulted`). Declared fields then take their values from
 *   `serverApplied` — desired exactly as the server stores it, with CRD schema defaults, admission and canonical
 *   notation — and a live-only value equal to what `serverDefaulted` holds at the same place is a default.
 *   When a dry-run was not possible (immutable fields, webhook refusal) the engine falls back to client rules for
 *   that part, so one failed request never turns into false drift.
 */

import { compareResource } from "./compare.js";
import type {
  CompareInput,
  ComparisonMode,
  DesiredObject,
  DetectionReport,
  EngineOptions,
  ObjectRef,
  ResourceResult,
} from "./types.js";

export { SCALABLE_KINDS } from "./autoscale.js";
export { IMPERATIVE_MANAGERS, OWN_MANAGERS } from "./managedfields.js";
export { worseSeverity } from "./severity.js";
export type { CompareInput, EngineOptions, IgnoreRule, OpenAPISchema, SeverityRule } from "./types.js";

/** Compares one desired object with the cluster. Never throws for odd input: a broken object becomes an Error result. */
export function compareObject(input: CompareInput, options: EngineOptions): ResourceResult {
  const { desired } = input;
  try {
    return compareResource(input, options);
  } catch (err) {
    return errorVerdict(
      desired.ref,
      desired.source,
      `cannot compare: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
}

/** The verdict on an object that could not be compared; `error` says why, in one line. */
export function errorVerdict(ref: ObjectRef, source: DesiredObject["source"], error: string): ResourceResult {
  return { ref, source, status: "Error", severity: null, changes: [], ignored: [], error };
}

/** The `check --output json` report for a set of results. */
export function summarize(results: ResourceResult[], mode: ComparisonMode): DetectionReport {
  const summary = { resources: results.length, inSync: 0, drifted: 0, missing: 0, errors: 0 };
  for (const r of results) {
    if (r.status === "InSync") summary.inSync++;
    else if (r.status === "Drifted") summary.drifted++;
    else if (r.status === "Missing") summary.missing++;
    else summary.errors++;
  }
  return { apiVersion: "drift-detector/v1", mode, summary, resources: results };
}

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
import type { OpenAPISchema } from "./crdschema.js";
import type { IgnoreRule } from "./ignore.js";
import type { SeverityRule } from "./severity.js";
import type {
  ComparisonMode,
  DesiredObject,
  DetectionReport,
  KubeObject,
  ObjectRef,
  ResourceResult,
  Severity,
} from "./types.js";

export type { OpenAPISchema } from "./crdschema.js";
export type { IgnoreRule } from "./ignore.js";
export type { SeverityRule } from "./severity.js";

export interface CompareInput {
  /** As the user wrote it (namespace filled in). */
  desired: DesiredObject;
  /** undefined → status Missing (severity critical). */
  live?: KubeObject;
  /** Server mode only: server-side apply dry-run (force, field manager "drift-detector") of `desired` onto live. */
  serverApplied?: KubeObject;
  /** Server mode only: dry-run create of `desired` under a generated name: what the server defaults on a fresh object. */
  serverDefaulted?: KubeObject;
  /** Related live objects. */
  context: {
    /** The HPAs in the object's namespace (autoscaled replicas are not drift). */
    hpas: KubeObject[];
    /**
     * For a custom resource: the `openAPIV3Schema` of its version from the CRD, so client mode knows the schema's
     * defaults and list keys (server mode gets them from the dry-runs). Optional; without it custom resources are
     * compared generically.
     */
    crdSchema?: OpenAPISchema;
  };
}

export interface EngineOptions {
  mode: ComparisonMode;
  /**
   * Field managers whose live-only fields count as drift (globs, `*` wildcard; a leading `!` excludes).
   * Default: IMPERATIVE_MANAGERS (`kubectl*` except `kubectl-client-side-apply`).
   */
  imperativeManagers?: string[];
  /** Global ignore rules (the per-object annotation `drift-detector.io/ignore` adds to them). */
  ignoreRules?: IgnoreRule[];
  /** Severity rules, tried before the defaults; the first match wins. */
  severityRules?: SeverityRule[];
  /** Our own appliers (e.g. confighub, drift-detector): never preferred when naming who changed a field. */
  ownManagers?: string[];
  /** Key for the short hash shown in place of Secret values (keyed so short values cannot be guessed offline). */
  secretHashKey?: string;
}

export const IMPERATIVE_MANAGERS: readonly string[] = ["kubectl*", "!kubectl-client-side-apply"];
export const OWN_MANAGERS: readonly string[] = ["confighub", "drift-detector"];

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

/** The worse of two severities (null = none yet). */
export function worseSeverity(a: Severity | null, b: Severity): Severity {
  const rank = { critical: 0, high: 1, medium: 2, low: 3 } as const;
  return a === null || rank[b] < rank[a] ? b : a;
}

// `revert`: the cluster goes back to the hub. A server-side apply of the desired object with the hub's field
// manager, forced, but only after a dry-run proved that the force touches nothing beyond the record's drifted
// fields; live-only fields that imperative managers added are removed with a JSON patch guarded by `test`
// operations. Every write carries the resourceVersion it was planned on, so a newer change makes it fail (409)
// instead of being overwritten blindly.
import { escapeToken, parsePointer } from "../../drift/paths.js";
import type { Change, DesiredObject, KubeObject } from "../../drift/types.js";
import type { KubeClient } from "../../kube/client.js";
import type { Discovery, ResourceInfo } from "../../kube/discovery.js";
import { resourcePath } from "../../kube/discovery.js";
import { errorMessage, KubeApiError } from "../../kube/errors.js";
import { APPLY_PATCH_CONTENT_TYPE, getObject } from "../../kube/objects.js";
import { diffObjects, maskSecretFields } from "./json-diff.js";
import { getAt, hasAt, isWithin, jsonEqual, removeAt } from "./pointer.js";
import { type DriftRecordView, type FieldChange, RemediationError } from "./types.js";

/** The hub's field manager: a revert makes the cluster look as if the hub had applied it. */
export const HUB_FIELD_MANAGER = "confighub";

export interface RevertDeps {
  client: KubeClient;
  discovery: Discovery;
  fieldManager?: string;
}

export interface RevertOutcome {
  /** What changes (changed) in the live object; Secret values masked. */
  fields: FieldChange[];
  /** Live-only fields removed (or to be removed). */
  removed: string[];
  created: boolean;
}

/** Attempts when the object moved on between our read and our write (controllers write status all the time). */
// Controllers write status while a workload rolls out; each write makes our precondition stale. Enough attempts
// to outlast a rollout's burst of status writes on a busy apiserver, with a growing pause between them.
const ATTEMPTS = 10;

/** What earlier attempts of one revert already wrote, so that the outcome of a retry still names all of it. */
interface Progress {
  fields: FieldChange[];
  removed: string[];
}

/** Reverts (or with dryRun previews the revert of) the record's drift. Throws RemediationError(409) on a newer change. */
export async function revertDrift(
  deps: RevertDeps,
  record: DriftRecordView,
  desired: DesiredObject,
  dryRun: boolean,
): Promise<RevertOutcome> {
  const progress: Progress = { fields: [], removed: [] };
  for (let attempt = 1; ; attempt++) {
    try {
      return await revertOnce(deps, record, desired, dryRun, progress);
    } catch (err) {
      // Only a stale resourceVersion is retried: every attempt re-reads and re-checks the object from scratch (a
      // field an earlier attempt already removed passes the check as reverted, see assertUnchangedSince).
      if (!(err instanceof StaleObjectError) || attempt >= ATTEMPTS)
        throw err instanceof StaleObjectError ? err.conflict : err;
      await new Promise((r) => setTimeout(r, 100 * attempt));
    }
  }
}

async function revertOnce(
  deps: RevertDeps,
  record: DriftRecordView,
  desired: DesiredObject,
  dryRun: boolean,
  progress: Progress,
): Promise<RevertOutcome> {
  const manager = deps.fieldManager ?? HUB_FIELD_MANAGER;
  const info = await deps.discovery.resolve(desired.ref.apiVersion, desired.ref.kind);
  const namespace = info.namespaced ? (desired.ref.namespace ?? record.ref.namespace) : undefined;
  const live = await getObject(deps.client, info, namespace, desired.ref.name);
  const body = structuredClone(desired.object);
  if (namespace) body.metadata.namespace = namespace;

  if (!live) {
    // Missing: the revert creates it; nothing to race with but a concurrent create (409 from the apiserver).
    const created = await apply(deps.client, info, body, manager, dryRun);
    return { fields: maskSecretFields(body.kind, diffObjects({}, strip(created))), removed: [], created: true };
  }
  if (record.resourceStatus === "Missing") {
    throw new RemediationError(409, `${describe(record)} exists again since the drift was recorded; re-detect first`);
  }
  assertUnchangedSince(record, live);

  keepOwnMetadata(body, live, manager);
  // Fields the engine ignored (autoscaled replicas, ignore rules) are left to whoever owns them.
  for (const ignored of record.ignored) {
    if (!parsePointer(ignored.path).some((t) => /^\d+$/.test(t))) removeAt(body, ignored.path);
  }
  // Only what is still there: an earlier attempt (or someone else) may have removed some already.
  const removals = record.changes.filter((c) => c.type === "added" && stillThere(live, c)).map((c) => c.path);
  const allowed = record.changes.map((c) => c.path);

  // The dry-run is both the preview and the guard: a forced apply may only change what the record names.
  body.metadata.resourceVersion = live.metadata.resourceVersion;
  const applied = await apply(deps.client, info, body, manager, true);
  const predicted = strip(applied);
  for (const path of sortForRemoval(removals)) removeAt(predicted, path);
  const fields = diffObjects(strip(live), predicted);
  const beyond = fields.filter((f) => !allowed.some((a) => isWithin(f.path, a) || isWithin(a, f.path)));
  if (beyond.length > 0) {
    throw new RemediationError(
      409,
      `reverting ${describe(record)} would also change ${beyond.map((f) => f.path).join(", ")}, which the drift record does not name (a newer change?); re-detect and review`,
    );
  }
  if (dryRun) return { fields: maskSecretFields(live.kind, fields), removed: removals, created: false };

  let resourceVersion = live.metadata.resourceVersion;
  if (removals.length > 0) {
    const patched = await removeFields(deps.client, info, live, removals, manager);
    resourceVersion = patched.metadata.resourceVersion;
    // Written for good: if the apply below meets a stale resourceVersion, the retry no longer sees these fields.
    progress.fields.push(...fields.filter((f) => removals.some((r) => isWithin(f.path, r))));
    progress.removed.push(...removals);
  }
  body.metadata.resourceVersion = resourceVersion;
  await apply(deps.client, info, body, manager, false);
  const all = [...progress.fields.filter((f) => !fields.some((g) => g.path === f.path)), ...fields];
  return {
    fields: maskSecretFields(live.kind, all),
    removed: [...new Set([...progress.removed, ...removals])],
    created: false,
  };
}

/**
 * Labels and annotations our manager set beyond the unit's data (the hub's apply marks objects with their space
 * and unit) stay: an apply without them would delete them, and pruning relies on them.
 */
function keepOwnMetadata(body: KubeObject, live: KubeObject, manager: string): void {
  for (const entry of live.metadata.managedFields ?? []) {
    if (entry.manager !== manager || entry.operation !== "Apply" || entry.subresource) continue;
    const meta = (entry.fieldsV1?.["f:metadata"] ?? {}) as Record<string, Record<string, unknown> | undefined>;
    for (const key of ["labels", "annotations"] as const) {
      const owned = Object.keys(meta[`f:${key}`] ?? {})
        .filter((k) => k.startsWith("f:"))
        .map((k) => k.slice(2));
      const liveMap = live.metadata[key] ?? {};
      for (const name of owned) {
        if (liveMap[name] === undefined || body.metadata[key]?.[name] !== undefined) continue;
        body.metadata[key] = { ...body.metadata[key], [name]: liveMap[name] };
      }
    }
  }
}

/** The object changed between our read and our write; `conflict` is what the caller gets when retries run out. */
class StaleObjectError extends Error {
  constructor(readonly conflict: RemediationError) {
    super(conflict.message);
  }
}

// The record names the live values a person saw. Each must still be there, or already be what the revert would
// make it (an earlier attempt of this revert removed it before a controller's write made our apply stale, or
// someone reverted it by hand); any third value is a newer change that person did not see.
function assertUnchangedSince(record: DriftRecordView, live: KubeObject): void {
  for (const change of record.changes) {
    if (change.masked || change.type === "removed") continue;
    if (!stillThere(live, change) && !alreadyReverted(live, change)) {
      throw new RemediationError(
        409,
        `${change.field} of ${describe(record)} changed again since the drift was recorded; re-detect and review`,
      );
    }
  }
}

function stillThere(live: KubeObject, change: Change): boolean {
  return hasAt(live, change.path) && (change.masked || sameValue(getAt(live, change.path), change.live));
}

function alreadyReverted(live: KubeObject, change: Change): boolean {
  if (change.type === "changed") return hasAt(live, change.path) && sameValue(getAt(live, change.path), change.desired);
  if (change.type !== "added") return false;
  // A removed list item shifts the items after it: gone means its list no longer holds it anywhere.
  const tokens = parsePointer(change.path);
  const parent = getAt(
    live,
    tokens
      .slice(0, -1)
      .map((t) => `/${escapeToken(t)}`)
      .join(""),
  );
  if (Array.isArray(parent) && /^\d+$/.test(tokens.at(-1) ?? ""))
    return !parent.some((item) => sameValue(item, change.live));
  return !hasAt(live, change.path);
}

// Notation may differ between the record (engine output) and the raw object: 1 vs "1" is the same value here.
function sameValue(a: unknown, b: unknown): boolean {
  if (jsonEqual(a, b)) return true;
  const scalar = (v: unknown) => typeof v === "string" || typeof v === "number" || typeof v === "boolean";
  return scalar(a) && scalar(b) && String(a) === String(b);
}

async function apply(
  client: KubeClient,
  info: ResourceInfo,
  body: KubeObject,
  fieldManager: string,
  dryRun: boolean,
): Promise<KubeObject> {
  const { managedFields, uid, creationTimestamp, generation, ...metadata } = body.metadata;
  const { status, ...rest } = body;
  try {
    const res = await client.request({
      method: "PATCH",
      path: resourcePath(info, body.metadata.namespace, body.metadata.name),
      query: { fieldManager, force: true, dryRun: dryRun ? "All" : undefined },
      body: { ...rest, metadata },
      contentType: APPLY_PATCH_CONTENT_TYPE,
    });
    return res.body as KubeObject;
  } catch (err) {
    throw asConflict(err, body, false);
  }
}

/** Removes live-only fields in one JSON patch: resourceVersion and each value tested first, so it is all or nothing. */
async function removeFields(
  client: KubeClient,
  info: ResourceInfo,
  live: KubeObject,
  paths: string[],
  fieldManager: string,
): Promise<KubeObject> {
  const ops: unknown[] = [{ op: "test", path: "/metadata/resourceVersion", value: live.metadata.resourceVersion }];
  for (const path of paths) ops.push({ op: "test", path, value: getAt(live, path) });
  for (const path of sortForRemoval(paths)) ops.push({ op: "remove", path });
  try {
    const res = await client.request({
      method: "PATCH",
      path: resourcePath(info, live.metadata.namespace, live.metadata.name),
      query: { fieldManager },
      body: ops,
      contentType: "application/json-patch+json",
    });
    return res.body as KubeObject;
  } catch (err) {
    throw asConflict(err, live, true);
  }
}

// Later list items first, so removing one does not shift the index of another; parents after their children.
export function sortForRemoval(paths: string[]): string[] {
  const cmp = (a: string[], b: string[]): number => {
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
      if (a[i] === b[i]) continue;
      const na = Number(a[i]);
      const nb = Number(b[i]);
      if (Number.isInteger(na) && Number.isInteger(nb)) return nb - na;
      return a[i]! < b[i]! ? 1 : -1;
    }
    return b.length - a.length;
  };
  return [...new Set(paths)].sort((a, b) => cmp(parsePointer(a), parsePointer(b)));
}

// A failed `test` operation answers 422; for an apply 422 is a validation error and stays one.
function asConflict(err: unknown, object: KubeObject, jsonPatch: boolean): unknown {
  if (err instanceof KubeApiError && (err.status === 409 || (jsonPatch && err.status === 422))) {
    const what = `${object.kind} ${object.metadata.namespace ? `${object.metadata.namespace}/` : ""}${object.metadata.name}`;
    return new StaleObjectError(
      new RemediationError(
        409,
        `${what} kept changing while reverting (${errorMessage(err)}); nothing was forced: re-detect and review`,
      ),
    );
  }
  return err;
}

const SERVER_OWNED = ["managedFields", "resourceVersion", "generation", "uid", "creationTimestamp"];
function strip(object: KubeObject): KubeObject {
  const copy = structuredClone(object);
  for (const key of SERVER_OWNED) delete copy.metadata[key];
  delete copy.status;
  return copy;
}

export function describe(record: DriftRecordView): string {
  const { kind, namespace, name } = record.ref;
  return `${kind} ${namespace ? `${namespace}/` : ""}${name}`;
}

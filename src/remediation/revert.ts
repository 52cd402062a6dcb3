// `revert`: the cluster goes back to the hub. A server-side apply of the desired object with the hub's field
// manager, forced, but only after a dry-run proved that the force touches nothing beyond the record's drifted
// fields; live-only fields that imperative managers added are removed with a JSON patch guarded by `test`
// operations. Every write carries the resourceVersion it was planned on, so a newer change makes it fail (409)
// instead of being overwritten blindly. Items of keyed lists (containers, env, ports) are followed by their merge
// key, not their index: removing an extra env var shifts the ones after it, and they are still the same fields.

import { describeRef } from "../detector/records.js";
import { schemaFromCrd } from "../drift/crdschema.js";
import { schemaFor } from "../drift/defaults.js";
import { isEmpty } from "../drift/normalize.js";
import { parsePointer } from "../drift/paths.js";
import type { SchemaNode } from "../drift/schema.js";
import type { Change, DesiredObject, KubeObject } from "../drift/types.js";
import type { KubeClient } from "../kube/client.js";
import { CrdSchemas } from "../kube/crd-schemas.js";
import type { ResourceInfo } from "../kube/discovery.js";
import { resourcePath } from "../kube/discovery.js";
import { KubeApiError } from "../kube/errors.js";
import { APPLY_PATCH_CONTENT_TYPE, getObject } from "../kube/objects.js";
import { errorMessage } from "../lib/errors.js";
import { jsonEqual } from "../lib/json.js";
import { getAt, removeAt } from "../lib/json-pointer.js";
import { diffByKey, diffObjects, type KeyedFieldChange, maskSecretFields } from "./json-diff.js";
import { AmbiguousKeyError, fieldWithin, type Located, locate, pointerIn } from "./keyed-path.js";
import { type Action, type DriftRecordView, type FieldChange, RemediationError, type RevertDeps } from "./types.js";

/** The hub's field manager: a revert makes the cluster look as if the hub had applied it. */
export const HUB_FIELD_MANAGER = "confighub";

export interface RevertOutcome {
  /** What changes (changed) in the live object; Secret values masked. */
  fields: FieldChange[];
  /** Live-only fields removed (or to be removed). */
  removed: string[];
  created: boolean;
}

/** The verb: preview the fields that would change, or write them and verify by re-detection. */
export const revert: Action = async ({ record, request, target }) => {
  const base = { action: request.action, dryRun: request.dryRun, recordId: record.id };
  const what = describeRef(record.ref);
  const desired = await target.desiredObject(record);
  if (!desired) throw new RemediationError(409, `${what} is no longer in the desired state: nothing to revert to`);
  const out = await revertDrift(target.kube, record, desired, request.dryRun);
  const details = { fields: out.fields, removed: out.removed, created: out.created };
  if (request.dryRun) {
    const message = out.created
      ? `would create ${what} from the desired state`
      : `would change ${out.fields.length} field(s) of ${what} back to the desired state`;
    return { result: { ...base, outcome: "previewed", message, fields: out.fields }, details };
  }
  const state = await target.redetect(record, { reloadDesired: false });
  const message =
    state === "resolved"
      ? `reverted ${what}; the drift is resolved`
      : `reverted ${what}, but re-detection still finds drift (another writer, or a field the hub cannot own?)`;
  return {
    result: {
      ...base,
      outcome: state === "resolved" ? "succeeded" : "failed",
      message,
      fields: out.fields,
      recordState: state,
    },
    details,
  };
};

/** Attempts when the object moved on between our read and our write (controllers write status all the time). */
// Controllers write status while a workload rolls out; each write makes our precondition stale. Enough attempts
// to outlast a rollout's burst of status writes on a busy apiserver, with a growing pause between them.
const ATTEMPTS = 10;

/**
 * One revert across its attempts. The outcome names fields by their pointers in `baseline`, the live object as
 * the revert first read it; `written` and `removed` keep what earlier attempts already wrote, so that the outcome
 * of a retry still names all of it.
 */
interface Progress {
  schema: SchemaNode | undefined;
  baseline?: KubeObject;
  written: KeyedFieldChange[];
  removed: Located[];
}

/** Reverts (or with dryRun previews) the record's drift. Throws RemediationError(409) on a newer change. */
export async function revertDrift(
  deps: RevertDeps,
  record: DriftRecordView,
  desired: DesiredObject,
  dryRun: boolean,
): Promise<RevertOutcome> {
  const info = await deps.discovery.resolve(desired.ref.apiVersion, desired.ref.kind);
  const progress: Progress = { schema: await schemaOf(deps.client, info, desired), written: [], removed: [] };
  for (let attempt = 1; ; attempt++) {
    try {
      return await revertOnce(deps, info, record, desired, dryRun, progress);
    } catch (err) {
      // Only a stale resourceVersion is retried: every attempt re-reads and re-checks the object from scratch (a
      // field an earlier attempt already removed passes the check as reverted, see assertUnchangedSince).
      if (!(err instanceof StaleObjectError) || attempt >= ATTEMPTS) throw failure(err, record, progress);
      await new Promise((r) => setTimeout(r, 100 * attempt));
    }
  }
}

/** What the caller gets: a conflict says which list item was ambiguous, and what an earlier attempt already removed. */
function failure(err: unknown, record: DriftRecordView, progress: Progress): unknown {
  let out = err instanceof StaleObjectError ? err.conflict : err;
  if (err instanceof AmbiguousKeyError) {
    out = new RemediationError(
      409,
      `more than one list item of ${describe(record)} matches ${err.field}, so which one the drift record means is unknown; remove the duplicate, re-detect and review`,
    );
  }
  if (!(out instanceof RemediationError) || progress.removed.length === 0) return out;
  const removed = outcome("", progress, [], []).removed;
  return new RemediationError(
    out.status,
    `${out.message} (live-only fields the record names were already removed: ${removed.join(", ")})`,
    out.outcome,
  );
}

/** The schema the engine compared the kind with: it says which lists are keyed, and by what. */
async function schemaOf(client: KubeClient, info: ResourceInfo, desired: DesiredObject): Promise<SchemaNode> {
  const crd = await new CrdSchemas(client).schemaFor(info);
  return crd ? schemaFromCrd(crd) : schemaFor(desired.ref.apiVersion, desired.ref.kind);
}

async function revertOnce(
  deps: RevertDeps,
  info: ResourceInfo,
  record: DriftRecordView,
  desired: DesiredObject,
  dryRun: boolean,
  progress: Progress,
): Promise<RevertOutcome> {
  const manager = deps.fieldManager ?? HUB_FIELD_MANAGER;
  const { schema } = progress;
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
  progress.baseline ??= live;
  const found = assertUnchangedSince(record, live, schema);

  keepOwnMetadata(body, live, manager);
  // Fields the engine ignored (autoscaled replicas, ignore rules) are left to whoever owns them.
  for (const ignored of record.ignored) {
    if (!parsePointer(ignored.path).some((t) => /^\d+$/.test(t))) removeAt(body, ignored.path);
  }
  // Only what is still there: an earlier attempt (or someone else) may have removed some already.
  const removals = record.changes
    .filter((c) => c.type === "added" && stillThere(live, c, found.get(c)))
    .map((c) => found.get(c) as Located);

  // The dry-run is both the preview and the guard: a forced apply may only change what the record names.
  body.metadata.resourceVersion = live.metadata.resourceVersion;
  const applied = await apply(deps.client, info, body, manager, true);
  const predicted = strip(applied);
  // The apply leaves the live-only items where the server merged them: find them there by key, not by index.
  const inPredicted = removals.flatMap((r) => locate(predicted, { path: r.pointer, field: r.field }, schema) ?? []);
  for (const pointer of sortForRemoval(inPredicted.map((r) => r.pointer))) removeAt(predicted, pointer);
  const fields = diffByKey(strip(live), predicted, schema);
  const allowed = record.changes.map(
    (c) => (c.type === "removed" ? locate(predicted, c, schema) : found.get(c))?.field ?? c.field,
  );
  const beyond = fields.filter((f) => !namedBy(f, allowed));
  if (beyond.length > 0) {
    throw new RemediationError(
      409,
      `reverting ${describe(record)} would also change ${beyond.map((f) => `${f.field} (${f.path})`).join(", ")}, which the drift record does not name (a newer change?); re-detect and review`,
    );
  }
  if (dryRun) return outcome(live.kind, progress, fields, removals);

  let resourceVersion = live.metadata.resourceVersion;
  if (removals.length > 0) {
    const patched = await removeFields(
      deps.client,
      info,
      live,
      removals.map((r) => r.pointer),
      manager,
    );
    resourceVersion = patched.metadata.resourceVersion;
    // Written for good: if the apply below meets a stale resourceVersion, the retry no longer sees these fields.
    progress.written.push(...fields.filter((f) => removals.some((r) => fieldWithin(f.field, r.field))));
    progress.removed.push(...removals);
  }
  body.metadata.resourceVersion = resourceVersion;
  await apply(deps.client, info, body, manager, false);
  return outcome(live.kind, progress, fields, removals);
}

/**
 * A change the guard lets through: each leaf it touches is a record's field or below one (a removed item is all
 * its fields). An empty map or list that appears or goes next to a named field is no value of its own.
 */
export function namedBy(change: KeyedFieldChange, allowed: string[]): boolean {
  if (change.leaves.every((leaf) => allowed.some((a) => fieldWithin(leaf, a)))) return true;
  return isEmpty(change.before) && isEmpty(change.after) && allowed.some((a) => fieldWithin(a, change.field));
}

/** Fields and removals of all attempts, named by their pointers in the live object as the revert first found it. */
function outcome(kind: string, progress: Progress, fields: KeyedFieldChange[], removals: Located[]): RevertOutcome {
  const { baseline, schema } = progress;
  const all = [...progress.written.filter((f) => !fields.some((g) => g.field === f.field)), ...fields];
  const removed = [...progress.removed, ...removals].map((r) =>
    pointerIn(baseline, { path: r.pointer, field: r.field }, schema),
  );
  return {
    fields: maskSecretFields(
      kind,
      all.map(({ field, leaves: _leaves, path, ...values }) => ({
        path: pointerIn(baseline, { path, field }, schema),
        ...values,
      })),
    ),
    removed: [...new Set(removed)],
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
// someone reverted it by hand); any third value is a newer change that person did not see. Answers where each
// of the record's live fields is now (by key, see keyed-path.ts).
function assertUnchangedSince(
  record: DriftRecordView,
  live: KubeObject,
  schema: SchemaNode | undefined,
): Map<Change, Located | undefined> {
  const found = new Map<Change, Located | undefined>();
  for (const change of record.changes) {
    if (change.type === "removed") continue;
    const at = locate(live, change, schema);
    found.set(change, at);
    if (change.masked) continue;
    if (!stillThere(live, change, at) && !alreadyReverted(live, change, at)) {
      throw new RemediationError(
        409,
        `${change.field} of ${describe(record)} changed again since the drift was recorded; re-detect and review`,
      );
    }
  }
  return found;
}

function stillThere(live: KubeObject, change: Change, at: Located | undefined): boolean {
  return at !== undefined && (change.masked || sameValue(getAt(live, at.pointer), change.live));
}

// A live-only field is reverted when nothing holds its place any more (for a list item: no item with its key);
// a declared one when it holds the desired value.
function alreadyReverted(live: KubeObject, change: Change, at: Located | undefined): boolean {
  if (change.type === "added") return at === undefined;
  return at !== undefined && sameValue(getAt(live, at.pointer), change.desired);
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

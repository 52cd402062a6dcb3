// Bringing desired and live to the same footing before the walk. Most noise (status, server-owned metadata,
// quantities, defaults) is handled by the schema during the walk without copying; only what changes the
// *shape* of desired is rewritten here.
import { readKey } from "./paths.js";
import type { ListKey, SchemaNode } from "./schema.js";
import { childOf } from "./schema.js";
import type { KubeObject } from "./types.js";

export type Json = Record<string, unknown>;

export function isPlainObject(v: unknown): v is Json {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** A zero value of a scalar: what Go's `omitempty` drops, so an absent field and this one store the same. */
export function isZeroScalar(v: unknown): boolean {
  return v === 0 || v === false || v === "";
}

/** null, {} and [] say nothing: an empty value and an absent one are the same configuration. */
export function isEmpty(v: unknown): boolean {
  if (v === undefined || v === null) return true;
  if (Array.isArray(v)) return v.length === 0;
  if (typeof v === "object") {
    for (const _ in v) return false;
    return true;
  }
  return false;
}

/**
 * Desired as the server will store it, shape-wise: a Secret's write-only `stringData` becomes base64 `data`
 * (stringData wins for a key in both, as on the server), and no last-applied annotation. Returns the input itself
 * when nothing changes.
 */
export function normalizeDesired(input: KubeObject): KubeObject {
  const obj = withoutLastApplied(input);
  if (obj.kind === "Secret" && obj.apiVersion === "v1" && isPlainObject(obj.stringData)) {
    const data: Json = isPlainObject(obj.data) ? { ...obj.data } : {};
    for (const [k, v] of Object.entries(obj.stringData)) {
      data[k] = Buffer.from(typeof v === "string" ? v : String(v), "utf8").toString("base64");
    }
    const { stringData: _dropped, ...rest } = obj;
    return { ...rest, data } as KubeObject;
  }
  return obj;
}

const LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration";

// A manifest exported from a cluster may carry the last-applied annotation (for a Secret: its values in clear).
// It is never compared, and must not travel into a change's desired value either.
function withoutLastApplied(obj: KubeObject): KubeObject {
  const annotations = obj.metadata?.annotations;
  if (annotations === undefined || !(LAST_APPLIED in annotations)) return obj;
  const { [LAST_APPLIED]: _dropped, ...rest } = annotations;
  return { ...obj, metadata: { ...obj.metadata, annotations: rest } };
}

/** The list key to match items by: the schema's, or `name` when every item has a distinct one (custom resources). */
export function listKeyOf(
  node: SchemaNode | undefined,
  a: readonly unknown[],
  b: readonly unknown[],
): ListKey | undefined {
  if (node !== undefined) return node.listKey;
  return uniqueNames(a) && uniqueNames(b) ? NAME_KEY : undefined;
}
const NAME_KEY: ListKey = { fields: ["name"] };

function uniqueNames(items: readonly unknown[]): boolean {
  if (items.length === 0) return true;
  if (items.length === 1) return isPlainObject(items[0]) && typeof items[0].name === "string";
  const seen = new Set<string>();
  for (const it of items) {
    if (!isPlainObject(it) || typeof it.name !== "string" || seen.has(it.name)) return false;
    seen.add(it.name);
  }
  return true;
}

/** Whether two items have the same merge key (absent key fields take their server default). */
export function sameKey(a: unknown, b: unknown, key: ListKey): boolean {
  for (const f of key.fields) {
    let x = readKey(a, f);
    let y = readKey(b, f);
    if (x === undefined) x = key.defaults?.[f];
    if (y === undefined) y = key.defaults?.[f];
    if (x !== y) return false;
  }
  return true;
}

export function findByKey(items: readonly unknown[], item: unknown, key: ListKey, taken?: Uint8Array): number {
  for (let j = 0; j < items.length; j++) {
    if (taken !== undefined && taken[j] === 1) continue;
    if (sameKey(items[j], item, key)) return j;
  }
  return -1;
}

/**
 * Server mode: the declared part of the server-side apply dry-run result. Walks the desired shape and takes every
 * value from `applied`, so declared values read as the server stores them (canonical quantities, admission
 * rewrites, CRD defaults inside declared items) while nothing undeclared is added. A declared field the server
 * dropped (an empty value) is dropped here too.
 */
export function projectDeclared(desired: unknown, applied: unknown, node: SchemaNode | undefined): unknown {
  if (isPlainObject(desired)) {
    if (!isPlainObject(applied)) return applied === undefined ? desired : applied;
    const out: Json = {};
    for (const k in desired) {
      const a = applied[k];
      // `data: null` declares nothing: whatever live holds there is undeclared, not "desired as applied".
      if (a === undefined || desired[k] === null || desired[k] === undefined) continue;
      const child = childOf(node, k);
      out[k] = child?.skip ? desired[k] : projectDeclared(desired[k], a, child);
    }
    return out;
  }
  if (Array.isArray(desired)) {
    if (!Array.isArray(applied)) return applied === undefined ? desired : applied;
    const key = listKeyOf(node, desired, applied);
    if (key === undefined) return applied;
    return desired.map((d) => {
      const j = findByKey(applied, d, key);
      return j < 0 ? d : projectDeclared(d, applied[j], node?.item);
    });
  }
  return applied === undefined ? desired : applied;
}

import type { KubeObject } from "../drift/types.js";
import { documentKey } from "./data.js";
import type { MergeConflict } from "./types.js";

// Upgrade (promotion) is a three-way merge: `base` is the upstream data the downstream was last merged from, `theirs`
// the upstream's head, `ours` the downstream's head. Upstream changes since base flow down; the downstream's own
// overrides stay; where both changed the same field differently the downstream value is kept and reported.
// Lists of named things (containers, env, ports, volumes, ...) are merged item by item, by key.

type Json = unknown;
const MISSING = Symbol("missing");
type Maybe = Json | typeof MISSING;

// Merge keys of the lists Kubernetes merges by key (strategic merge patch), tried in order.
const LIST_KEYS = ["name", "containerPort", "mountPath", "devicePath", "port", "ip", "topologyKey", "type"];

export interface MergeResult {
  objects: KubeObject[];
  conflicts: MergeConflict[];
}

export function mergeUnitData(base: KubeObject[], ours: KubeObject[], theirs: KubeObject[]): MergeResult {
  const conflicts: MergeConflict[] = [];
  const byKey = (list: KubeObject[]) => new Map(list.map((o) => [documentKey(o), o]));
  const b = byKey(base);
  const o = byKey(ours);
  const t = byKey(theirs);
  const out: KubeObject[] = [];
  const merged = (key: string): Maybe => {
    const onConflict = (path: string) => conflicts.push({ Document: key, Path: path });
    return merge3(
      b.has(key) ? b.get(key) : MISSING,
      o.has(key) ? o.get(key) : MISSING,
      t.has(key) ? t.get(key) : MISSING,
      "",
      onConflict,
    );
  };
  // Downstream order first, then documents new upstream, in upstream order.
  for (const key of o.keys()) {
    const m = merged(key);
    if (m !== MISSING) out.push(m as KubeObject);
  }
  for (const key of t.keys()) {
    if (o.has(key)) continue;
    const m = merged(key);
    if (m !== MISSING) out.push(m as KubeObject);
  }
  return { objects: out, conflicts };
}

function merge3(base: Maybe, ours: Maybe, theirs: Maybe, path: string, conflict: (path: string) => void): Maybe {
  if (deepEqual(ours, theirs)) return ours;
  if (deepEqual(base, ours)) return theirs; // only upstream changed
  if (deepEqual(base, theirs)) return ours; // only downstream changed: its override stays
  if (isObject(ours) && isObject(theirs)) {
    const b = isObject(base) ? base : {};
    const result: Record<string, Json> = {};
    const keys = [...Object.keys(ours), ...Object.keys(theirs).filter((k) => !(k in ours))];
    for (const k of keys) {
      const m = merge3(
        k in b ? b[k] : MISSING,
        k in ours ? ours[k] : MISSING,
        k in theirs ? theirs[k] : MISSING,
        `${path}/${escapePointer(k)}`,
        conflict,
      );
      if (m !== MISSING) result[k] = m;
    }
    return result;
  }
  if (Array.isArray(ours) && Array.isArray(theirs)) {
    const key = listKey(Array.isArray(base) ? base : [], ours, theirs);
    if (key) return mergeKeyedList(Array.isArray(base) ? base : [], ours, theirs, key, path, conflict);
  }
  conflict(path || "/");
  return ours;
}

function mergeKeyedList(
  base: Json[],
  ours: Json[],
  theirs: Json[],
  key: string,
  path: string,
  conflict: (path: string) => void,
): Json[] {
  const idOf = (item: Json) => String((item as Record<string, Json>)[key]);
  const index = (list: Json[]) => new Map(list.map((item) => [idOf(item), item]));
  const b = index(base);
  const o = index(ours);
  const t = index(theirs);
  const out: Json[] = [];
  const visit = (id: string) => {
    const m = merge3(
      b.has(id) ? b.get(id) : MISSING,
      o.has(id) ? o.get(id) : MISSING,
      t.has(id) ? t.get(id) : MISSING,
      `${path}/${escapePointer(`${key}=${id}`)}`,
      conflict,
    );
    if (m !== MISSING) out.push(m);
  };
  for (const id of o.keys()) visit(id);
  for (const id of t.keys()) if (!o.has(id)) visit(id);
  return out;
}

/** The key every item of all three lists has, unique within each list; none for lists of scalars. */
function listKey(...lists: Json[][]): string | undefined {
  const items = lists.flat();
  if (items.length === 0 || !items.every(isObject)) return undefined;
  return LIST_KEYS.find((k) =>
    lists.every((list) => {
      const ids = list.map((item) => (item as Record<string, Json>)[k]);
      return ids.every((id) => typeof id === "string" || typeof id === "number") && new Set(ids).size === ids.length;
    }),
  );
}

function isObject(v: Maybe): v is Record<string, Json> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

export function deepEqual(a: Maybe, b: Maybe): boolean {
  if (a === b) return true;
  if (a === MISSING || b === MISSING || typeof a !== "object" || typeof b !== "object" || a === null || b === null)
    return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as Json[];
    return a.length === bb.length && a.every((x, i) => deepEqual(x, bb[i]));
  }
  const ka = Object.keys(a);
  const bo = b as Record<string, Json>;
  return (
    ka.length === Object.keys(bo).length && ka.every((k) => k in bo && deepEqual((a as Record<string, Json>)[k], bo[k]))
  );
}

function escapePointer(segment: string): string {
  return segment.replace(/~/g, "~0").replace(/\//g, "~1");
}

import type { KubeObject } from "../drift/types.js";
import { jsonEqual } from "../lib/json.js";
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
  const { baseSlots, oursSlots, theirSlots } = pairDocuments(base, ours, theirs);
  const out: KubeObject[] = [];
  const merged = (slot: string, name: string): Maybe => {
    const onConflict = (path: string) => conflicts.push({ Document: name, Path: path });
    return merge3(
      baseSlots.has(slot) ? baseSlots.get(slot) : MISSING,
      oursSlots.has(slot) ? oursSlots.get(slot) : MISSING,
      theirSlots.has(slot) ? theirSlots.get(slot) : MISSING,
      "",
      onConflict,
    );
  };
  // Downstream order first, then documents new upstream, in upstream order.
  for (const [slot, doc] of oursSlots) {
    const m = merged(slot, documentKey(doc));
    if (m !== MISSING) out.push(m as KubeObject);
  }
  for (const [slot, doc] of theirSlots) {
    if (oursSlots.has(slot)) continue;
    const m = merged(slot, documentKey(doc));
    if (m !== MISSING) out.push(m as KubeObject);
  }
  return { objects: out, conflicts };
}

/**
 * Lines up the documents of the three versions. Same group/kind/namespace/name pair up; a document left over is
 * paired with the one left-over document of the same group/kind/name on the other side, because environments
 * commonly set their own namespace (the downstream's override) — without this the upstream's changes to such a
 * document could never flow down.
 */
function pairDocuments(base: KubeObject[], ours: KubeObject[], theirs: KubeObject[]) {
  const loose = (o: KubeObject) => {
    const group = o.apiVersion.includes("/") ? o.apiVersion.split("/")[0] : "";
    return `${group}/${o.kind}/${o.metadata.name}`;
  };
  const theirSlots = new Map(theirs.map((o) => [documentKey(o), o]));
  const claimed = new Set<string>();
  const match = (o: KubeObject, against: Map<string, KubeObject>): string | undefined => {
    const key = documentKey(o);
    if (against.has(key) && !claimed.has(key)) return key;
    const candidates = [...against.entries()].filter(([k, c]) => !claimed.has(k) && loose(c) === loose(o));
    return candidates.length === 1 ? candidates[0][0] : undefined;
  };
  // base ↔ theirs
  const baseSlots = new Map<string, KubeObject>();
  for (const o of base) {
    const slot = match(o, theirSlots) ?? `base:${documentKey(o)}`;
    claimed.add(slot);
    baseSlots.set(slot, o);
  }
  // ours ↔ (theirs, or base where theirs dropped the document)
  claimed.clear();
  const all = new Map<string, KubeObject>([...baseSlots, ...theirSlots]);
  const oursSlots = new Map<string, KubeObject>();
  const exact = new Map(ours.map((o) => [documentKey(o), o]));
  for (const o of ours) {
    const key = documentKey(o);
    // exact identity first, across all documents, so a loose match never steals another's exact partner
    const slot = all.has(key) ? key : all.has(`base:${key}`) ? `base:${key}` : undefined;
    if (slot) {
      claimed.add(slot);
      oursSlots.set(slot, o);
    }
  }
  for (const o of ours) {
    if ([...oursSlots.values()].includes(o)) continue;
    const free = new Map([...all].filter(([k]) => !claimed.has(k) && !exact.has(k)));
    const slot = match(o, free) ?? `ours:${documentKey(o)}`;
    claimed.add(slot);
    oursSlots.set(slot, o);
  }
  // keep downstream order
  const ordered = new Map(ours.map((o) => [[...oursSlots].find(([, d]) => d === o)?.[0] as string, o]));
  return { baseSlots, oursSlots: ordered, theirSlots };
}

function merge3(base: Maybe, ours: Maybe, theirs: Maybe, path: string, conflict: (path: string) => void): Maybe {
  if (jsonEqual(ours, theirs)) return ours;
  if (jsonEqual(base, ours)) return theirs; // only upstream changed
  if (jsonEqual(base, theirs)) return ours; // only downstream changed: its override stays
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

function escapePointer(segment: string): string {
  return segment.replace(/~/g, "~0").replace(/\//g, "~1");
}

// Field ownership from metadata.managedFields (FieldsV1): which managers own the value at a path, and who to name.
//
// FieldsV1 is a trie: `f:<name>` a map field, `k:{"name":"x"}` a list item by merge key, `v:<json>` a set item by
// value, `i:<n>` an item by index, and `.` the node itself. An empty object `{}` is a leaf: the manager owns that
// value whole (an atomic list or map owns everything beneath it). The deepest owner wins.

import type { NameMatcher, Seg } from "./paths.js";
import type { Attribution, ManagedFieldsEntry } from "./types.js";

type FieldsNode = Record<string, unknown>;

/** Managers whose live-only fields are drift by default: hand edits with kubectl, not its client-side apply. */
export const IMPERATIVE_MANAGERS: readonly string[] = ["kubectl*", "!kubectl-client-side-apply"];
/** Our own appliers, never preferred when naming who changed a field. */
export const OWN_MANAGERS: readonly string[] = ["confighub", "drift-detector"];

// Parsed `k:`/`v:` keys, shared across objects: the same few keys recur in every Deployment.
const keyCache = new Map<string, unknown>();
function parseItemKey(key: string): unknown {
  let parsed = keyCache.get(key);
  if (parsed === undefined) {
    try {
      parsed = JSON.parse(key.slice(2));
    } catch {
      parsed = null;
    }
    if (keyCache.size > 10_000) keyCache.clear();
    keyCache.set(key, parsed);
  }
  return parsed;
}

function isLeaf(node: FieldsNode): boolean {
  for (const _ in node) return false;
  return true;
}

/** The FieldsV1 child for a list item: by merge key (`k:`), by value (`v:`) or by index (`i:`). */
function findItem(node: FieldsNode, item: unknown, index: number): FieldsNode | undefined {
  for (const key in node) {
    const c = key.charCodeAt(0);
    if (key.charCodeAt(1) !== 58 /* : */) continue;
    if (c === 107 /* k */) {
      const fields = parseItemKey(key);
      if (fields !== null && typeof fields === "object" && itemHasKey(item, fields as Record<string, unknown>)) {
        return node[key] as FieldsNode;
      }
    } else if (c === 118 /* v */) {
      if (sameJson(parseItemKey(key), item)) return node[key] as FieldsNode;
    } else if (c === 105 /* i */) {
      if (Number(key.slice(2)) === index) return node[key] as FieldsNode;
    }
  }
  return undefined;
}

function itemHasKey(item: unknown, key: Record<string, unknown>): boolean {
  if (item === null || typeof item !== "object") return false;
  const rec = item as Record<string, unknown>;
  for (const k in key) if (!sameJson(rec[k], key[k])) return false;
  return true;
}

function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== "object" || typeof b !== "object") return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ak = Object.keys(a as object);
  if (ak.length !== Object.keys(b as object).length) return false;
  for (const k of ak) if (!sameJson((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])) return false;
  return true;
}

/**
 * How deeply one manager's field set covers `segs`: segs.length when it owns the node itself, a smaller depth when
 * it owns an atomic ancestor, -1 when it does not own it.
 */
export function ownershipDepth(fields: FieldsNode | undefined, segs: readonly Seg[]): number {
  if (fields === undefined || fields === null) return -1;
  let node: FieldsNode = fields;
  for (let i = 0; i < segs.length; i++) {
    if (i > 0 && isLeaf(node)) return i;
    const seg = segs[i];
    const child = typeof seg === "string" ? node[`f:${seg}`] : findItem(node, seg.item, seg.index);
    if (child === undefined || child === null || typeof child !== "object") return -1;
    node = child as FieldsNode;
  }
  return isLeaf(node) || "." in node ? segs.length : -1;
}

export interface OwnerQuery {
  imperative: NameMatcher;
  own: NameMatcher;
}

/** Every entry owning the path at the deepest depth any entry does. */
export function ownersOf(
  entries: readonly ManagedFieldsEntry[] | undefined,
  segs: readonly Seg[],
): ManagedFieldsEntry[] {
  if (entries === undefined) return [];
  let best = -1;
  let owners: ManagedFieldsEntry[] = [];
  for (const e of entries) {
    const d = ownershipDepth(e.fieldsV1 as FieldsNode | undefined, segs);
    if (d < 0 || d < best) continue;
    if (d > best) {
      best = d;
      owners = [e];
    } else owners.push(e);
  }
  return owners;
}

/**
 * The manager to name for a path: among the deepest owners an imperative one first, then anyone but our own appliers,
 * then the most recent. null when nobody owns it (a removed field, or a server default nobody sent).
 */
export function culprit(
  entries: readonly ManagedFieldsEntry[] | undefined,
  segs: readonly Seg[],
  q: OwnerQuery,
): ManagedFieldsEntry | null {
  const owners = ownersOf(entries, segs);
  if (owners.length === 0) return null;
  let best = owners[0];
  for (let i = 1; i < owners.length; i++) if (rank(owners[i], q) > rank(best, q)) best = owners[i];
  return best;
}

function rank(e: ManagedFieldsEntry, q: OwnerQuery): number {
  const m = e.manager ?? "";
  const t = e.time ? Date.parse(e.time) / 1e13 : 0; // < 1 for any real date: a tie-breaker only
  return (q.imperative.matches(m) ? 4 : 0) + (q.own.matches(m) ? 0 : 2) + t;
}

export function attribution(e: ManagedFieldsEntry | null): Attribution | null {
  if (e === null) return null;
  return {
    manager: e.manager ?? "unknown",
    operation: e.operation ?? "",
    subresource: e.subresource ?? "",
    time: e.time ?? null,
  };
}

/** Parses a FieldsV1 set into the list of paths it names, for display and tests: `.spec.replicas`, `…containers[name=backend]`. */
export function fieldsV1Paths(fields: FieldsNode, prefix = ""): string[] {
  const out: string[] = [];
  for (const key in fields) {
    const child = fields[key] as FieldsNode;
    if (key === ".") {
      out.push(prefix);
      continue;
    }
    let step: string;
    if (key.startsWith("f:")) step = `.${key.slice(2)}`;
    else if (key.startsWith("k:")) {
      const k = parseItemKey(key) as Record<string, unknown> | null;
      step = `[${
        k === null
          ? "?"
          : Object.entries(k)
              .map(([n, v]) => `${n}=${String(v)}`)
              .join(",")
      }]`;
    } else if (key.startsWith("v:")) step = `[=${JSON.stringify(parseItemKey(key))}]`;
    else if (key.startsWith("i:")) step = `[${key.slice(2)}]`;
    else step = `.${key}`;
    if (child !== null && typeof child === "object" && !isLeaf(child)) out.push(...fieldsV1Paths(child, prefix + step));
    else out.push(prefix + step);
  }
  return out;
}

// Server-mode dry-run results, one per view of a desired object (its apply onto live, its create), each with the key
// of what determined it: the desired object's content and the live object's version (a digest of its relevant
// part, see detector/detect.ts). An unchanged object in an unchanged cluster then costs no request. A newer key
// replaces the view's older entry, so the cache holds at most two entries per desired object and none that can no
// longer be asked for — no LRU bound to outgrow (a bound below the working set turns every full resync into misses).
import { createHash } from "node:crypto";
import type { KubeObject, ObjectRef } from "../drift/types.js";

/** Where a view lives in the cache (which object, which dry-run) and the key its value must match. */
export interface ViewKey {
  slot: string;
  key: string;
}

export class DryRunCache<V = KubeObject> {
  private readonly views = new Map<string, { key: string; value: V }>();
  readonly stats = { hits: 0, misses: 0 };

  get size(): number {
    return this.views.size;
  }

  get({ slot, key }: ViewKey): V | undefined {
    const entry = this.views.get(slot);
    if (entry?.key !== key) {
      this.stats.misses++;
      return undefined;
    }
    this.stats.hits++;
    return entry.value;
  }

  set({ slot, key }: ViewKey, value: V): void {
    this.views.set(slot, { key, value });
  }

  /** Forgets the views of objects that are no longer desired. */
  retainObjects(refs: Iterable<ObjectRef>): void {
    const keep = new Set<string>();
    for (const ref of refs) keep.add(objectSlot(ref));
    for (const slot of this.views.keys()) if (!keep.has(slot.slice(slot.indexOf(":") + 1))) this.views.delete(slot);
  }

  clear(): void {
    this.views.clear();
  }

  /** Every view with its key, for a cache persisted between processes (`check`). */
  entries(): IterableIterator<[string, { key: string; value: V }]> {
    return this.views.entries();
  }
}

const objectSlot = (ref: ObjectRef) => `${ref.apiVersion}|${ref.kind}|${ref.namespace ?? ""}|${ref.name}`;

/**
 * A dry-run result as the cache keeps it: without `metadata.managedFields` and `status`, which the engine never reads
 * from a server view (root metadata is compared by labels, annotations, finalizers and owner references only, status
 * is skipped in every schema, ownership comes from the live object). They are most of a small object's size, and
 * the cache holds two views per desired object.
 */
export function compactServerView(obj: KubeObject): KubeObject {
  const { status: _status, ...rest } = obj as KubeObject & { status?: unknown };
  if (rest.metadata?.managedFields === undefined) return rest as KubeObject;
  const { managedFields: _managedFields, ...metadata } = rest.metadata;
  return { ...rest, metadata } as KubeObject;
}

/** The SSA dry-run of `desired` (content hash) onto the live object at `liveVersion`. */
export function appliedKey(ref: ObjectRef, desiredHash: string, liveVersion: string | undefined): ViewKey {
  return { slot: `apply:${objectSlot(ref)}`, key: `${desiredHash}:${liveVersion ?? ""}` };
}

/** The dry-run create of `desired` (depends on the desired content only). */
export function defaultedKey(ref: ObjectRef, desiredHash: string): ViewKey {
  return { slot: `create:${objectSlot(ref)}`, key: desiredHash };
}

/** Content hash of an object, independent of key order. */
export function objectHash(value: unknown): string {
  return createHash("sha256").update(stableJson(value)).digest("hex").slice(0, 32);
}

function stableJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (Array.isArray(value)) return `[${value.map(stableJson).join(",")}]`;
  const keys = Object.keys(value).sort();
  const parts: string[] = [];
  for (const k of keys) {
    const v = (value as Record<string, unknown>)[k];
    if (v !== undefined) parts.push(`${JSON.stringify(k)}:${stableJson(v)}`);
  }
  return `{${parts.join(",")}}`;
}

// Server-mode dry-run results keyed by what determines them: the desired object's content and the live object's
// version (its resourceVersion, or better a digest of its relevant part, see detector/detect.ts). An unchanged
// object in an unchanged cluster then costs no request. In memory, LRU-bounded.
import { createHash } from "node:crypto";
import type { KubeObject } from "../drift/types.js";

export class DryRunCache<V = KubeObject> {
  private readonly entries = new Map<string, V>();
  readonly stats = { hits: 0, misses: 0 };

  constructor(private readonly maxEntries = 20_000) {}

  get size(): number {
    return this.entries.size;
  }

  get(key: string): V | undefined {
    const value = this.entries.get(key);
    if (value === undefined) {
      this.stats.misses++;
      return undefined;
    }
    this.stats.hits++;
    // Re-insert: Map iteration order is insertion order, so the first key is the least recently used.
    this.entries.delete(key);
    this.entries.set(key, value);
    return value;
  }

  set(key: string, value: V): void {
    this.entries.delete(key);
    this.entries.set(key, value);
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
  }

  clear(): void {
    this.entries.clear();
  }
}

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

/** Key of an SSA dry-run of `desired` onto the live object at `liveVersion`. */
export function appliedKey(desiredHash: string, liveVersion: string | undefined): string {
  return `apply:${desiredHash}:${liveVersion ?? ""}`;
}

/** Key of a dry-run create of `desired` (depends on the desired content only). */
export function defaultedKey(desiredHash: string): string {
  return `create:${desiredHash}`;
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

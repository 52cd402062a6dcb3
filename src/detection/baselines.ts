// What each object held, with no owner recorded, where desired declares nothing — at its last observation. It lets
// a write the cluster records no owner for (`kubectl scale` through /scale, a label on an object without
// managedFields) show as drift even where no fixed default says what the value should be (drift/compare.ts). The
// service keeps one per cluster, in its store; a one-shot `check` has none and falls back to the known defaults.
import type { UnownedBaseline } from "../drift/types.js";

export interface BaselineEntry {
  /** The live object's uid: a re-created object starts again. */
  uid: string;
  /** The hash of the desired object observed against (objectHash). */
  desired: string;
  values: Record<string, unknown>;
}

export interface Baselines {
  get(key: string): BaselineEntry | undefined;
  set(key: string, entry: BaselineEntry): void;
}

/** The engine's view of an entry for this observation: none for another object under the same name. */
export function baselineFor(
  entry: BaselineEntry | undefined,
  uid: string,
  desired: string,
): UnownedBaseline | undefined {
  if (entry === undefined || entry.uid !== uid) return undefined;
  return { values: entry.values, sameDelivery: entry.desired === desired };
}

/** Baselines in memory, dropping keys no longer desired. */
export class MemoryBaselines implements Baselines {
  protected readonly entries = new Map<string, BaselineEntry>();

  get(key: string): BaselineEntry | undefined {
    return this.entries.get(key);
  }

  set(key: string, entry: BaselineEntry): void {
    this.entries.set(key, entry);
  }

  /** An independent copy: another detection of the same state, without this one's updates. */
  copy(): MemoryBaselines {
    const copy = new MemoryBaselines();
    for (const [key, entry] of this.entries) copy.entries.set(key, entry);
    return copy;
  }

  /** Forgets every key not in `keys`; answers the forgotten ones. */
  retain(keys: Set<string>): string[] {
    const gone = [...this.entries.keys()].filter((k) => !keys.has(k));
    for (const k of gone) this.entries.delete(k);
    return gone;
  }
}

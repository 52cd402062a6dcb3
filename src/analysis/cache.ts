// Analyses cached per drift fingerprint: the same drift seen again (next resync, another replica) costs nothing.
// The interface is what the store-backed cache (detector/analysis-cache.ts) implements; this in-memory one serves
// `check` and tests.
import type { Analysis } from "./types.js";

export interface AnalysisCache {
  get(fingerprint: string): Promise<Analysis | undefined>;
  set(fingerprint: string, analysis: Analysis): Promise<void>;
}

/** Bounded, least-recently-used first out. */
export class MemoryAnalysisCache implements AnalysisCache {
  private readonly entries = new Map<string, Analysis>();

  constructor(private readonly maxEntries = 1000) {}

  async get(fingerprint: string): Promise<Analysis | undefined> {
    const hit = this.entries.get(fingerprint);
    if (hit) {
      this.entries.delete(fingerprint);
      this.entries.set(fingerprint, hit);
    }
    return hit;
  }

  async set(fingerprint: string, analysis: Analysis): Promise<void> {
    this.entries.delete(fingerprint);
    this.entries.set(fingerprint, analysis);
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
  }

  get size(): number {
    return this.entries.size;
  }
}

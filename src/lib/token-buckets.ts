// One token bucket per key (client-go's per-object Event spam filter, as a data structure): `burst` tokens, one
// more every `refillMs`. A refused take is counted, and the next allowed take says how many were refused since, so
// the suppression is reported rather than silent. Keys whose bucket is full again are forgotten past `maxKeys`.
export type TakeResult = { allowed: true; suppressed: number } | { allowed: false };

interface Bucket {
  tokens: number;
  at: number;
  suppressed: number;
}

export class TokenBuckets {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly burst: number,
    private readonly refillMs: number,
    private readonly maxKeys = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  get size(): number {
    return this.buckets.size;
  }

  take(key: string): TakeResult {
    const now = this.now();
    const b = this.refill(this.buckets.get(key) ?? { tokens: this.burst, at: now, suppressed: 0 }, now);
    this.buckets.delete(key); // re-inserted last: the map's order is least recently used first
    this.buckets.set(key, b);
    if (this.buckets.size > this.maxKeys) this.forget(now);
    if (b.tokens < 1) {
      b.suppressed++;
      return { allowed: false };
    }
    b.tokens--;
    const suppressed = b.suppressed;
    b.suppressed = 0;
    return { allowed: true, suppressed };
  }

  private refill(b: Bucket, now: number): Bucket {
    const gained = Math.floor((now - b.at) / this.refillMs);
    if (gained > 0) {
      b.tokens = Math.min(this.burst, b.tokens + gained);
      b.at = b.tokens === this.burst ? now : b.at + gained * this.refillMs;
    }
    return b;
  }

  /** Drops buckets that are full again with nothing to report (a new one starts full), then the least recent. */
  private forget(now: number): void {
    for (const [key, b] of this.buckets) {
      if (this.buckets.size <= this.maxKeys) return;
      if (this.refill(b, now).tokens === this.burst && b.suppressed === 0) this.buckets.delete(key);
    }
    for (const key of this.buckets.keys()) {
      if (this.buckets.size <= this.maxKeys) return;
      this.buckets.delete(key);
    }
  }
}

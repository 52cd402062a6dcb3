// A FIFO with a capacity for work that waits on something slow (a model, an endpoint): a key already queued is
// coalesced (its value replaced, its place kept), and a full queue drops its oldest entry to take the new one, so
// memory stays bounded and the newest work is never the one lost.
export class BoundedQueue<T> {
  private readonly items = new Map<string, T>();

  /** `onDrop` hears of each entry pushed out by a full queue. */
  constructor(
    readonly capacity: number,
    private readonly onDrop: (value: T, key: string) => void = () => {},
  ) {
    if (!(capacity >= 1)) throw new RangeError(`queue capacity must be at least 1, got ${capacity}`);
  }

  get size(): number {
    return this.items.size;
  }

  push(key: string, value: T): void {
    if (!this.items.has(key) && this.items.size >= this.capacity) {
      const [oldestKey, oldest] = this.items.entries().next().value as [string, T];
      this.items.delete(oldestKey);
      this.onDrop(oldest, oldestKey);
    }
    this.items.set(key, value);
  }

  get(key: string): T | undefined {
    return this.items.get(key);
  }

  delete(key: string): void {
    this.items.delete(key);
  }

  /** Takes up to `max` entries, oldest first, for which `ready` holds (all by default). */
  take(max: number, ready: (value: T) => boolean = () => true): Array<[string, T]> {
    const out: Array<[string, T]> = [];
    for (const [key, value] of this.items) {
      if (out.length >= max) break;
      if (!ready(value)) continue;
      out.push([key, value]);
    }
    for (const [key] of out) this.items.delete(key);
    return out;
  }

  values(): IterableIterator<T> {
    return this.items.values();
  }
}

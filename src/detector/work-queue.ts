// Per-object work, debounced: a burst of watch events for one object becomes one detection after it settles.
// A key is queued at most once; keys due are taken in batches by one worker.
export class WorkQueue {
  private readonly due = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private waiter: (() => void) | undefined;

  constructor(private readonly debounceMs = 200) {}

  get size(): number {
    return this.due.size;
  }

  /** (Re)schedules `key` debounceMs from now; a key already queued keeps one entry. */
  add(key: string): void {
    this.due.set(key, Date.now() + this.debounceMs);
    this.arm();
  }

  /** Removes keys (a full detection covered them). */
  clear(keys?: Iterable<string>): void {
    if (!keys) this.due.clear();
    else for (const k of keys) this.due.delete(k);
  }

  /** Takes every key that is due (up to max); empty when none is. */
  takeDue(max = 1000): string[] {
    const now = Date.now();
    const out: string[] = [];
    for (const [k, at] of this.due) {
      if (at > now) continue;
      out.push(k);
      this.due.delete(k);
      if (out.length >= max) break;
    }
    this.arm();
    return out;
  }

  /** Resolves when a key may be due (or wake() is called). */
  wait(): Promise<void> {
    return new Promise((resolve) => {
      this.waiter = resolve;
      this.arm();
    });
  }

  /** Wakes a waiting worker (new full detection requested, shutdown). */
  wake(): void {
    const w = this.waiter;
    this.waiter = undefined;
    w?.();
  }

  private arm(): void {
    clearTimeout(this.timer);
    if (this.due.size === 0 || !this.waiter) return;
    let next = Number.POSITIVE_INFINITY;
    for (const at of this.due.values()) if (at < next) next = at;
    this.timer = setTimeout(() => this.wake(), Math.max(0, next - Date.now()));
  }
}

/**
 * Keyed mutual exclusion: runs that touch the same cluster-scoped object (a ClusterRole both modes of a scenario
 * apply) take turns. All keys are queued at once, in one synchronous step, so two runs can never deadlock.
 */
export class KeyedLocks {
  private readonly tails = new Map<string, Promise<void>>();

  async with<T>(keys: Iterable<string>, fn: () => Promise<T>): Promise<T> {
    let release!: () => void;
    const done = new Promise<void>((r) => {
      release = r;
    });
    const waits: Promise<void>[] = [];
    for (const key of new Set(keys)) {
      const previous = this.tails.get(key) ?? Promise.resolve();
      const tail = previous.then(() => done);
      this.tails.set(key, tail);
      waits.push(previous);
      // Forget a key once nobody queues behind it, so the map does not grow with the number of runs.
      void tail.then(() => this.tails.get(key) === tail && this.tails.delete(key));
    }
    await Promise.all(waits);
    try {
      return await fn();
    } finally {
      release();
    }
  }
}

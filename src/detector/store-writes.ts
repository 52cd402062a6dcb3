// A tracker's pending record writes, retried in the background (never in the detection loop, which a frozen store
// would stall), and the store's lag: a metric, and a readiness condition once writes wait longer than the limit.
import type { Readiness } from "../app/health.js";
import type { DriftMetrics } from "./metrics.js";
import type { Tracker } from "./tracker.js";

export interface StoreWritesOptions {
  cluster: string;
  tracker: Tracker;
  readiness: Readiness;
  metrics: DriftMetrics;
  /** Not ready while a record change has waited longer than this for the store. */
  lagLimitMs: number;
  /** How often pending writes are looked at (each has its own backoff in the tracker). */
  intervalMs?: number;
}

/** Starts retrying; the returned function stops it (the tracker's close() writes what is left). */
export function retryStoreWrites(opts: StoreWritesOptions): () => Promise<void> {
  const { tracker, cluster } = opts;
  const condition = `store ${cluster}`;
  opts.readiness.set(condition, true);
  let flushing: Promise<void> | undefined;
  const timer = setInterval(() => {
    // A write to a frozen store waits for its timeout: meanwhile the lag keeps being reported.
    flushing ??= tracker.flush().finally(() => {
      flushing = undefined;
    });
    const lagMs = tracker.storeLagMs;
    opts.metrics.storeLag.set({ cluster }, lagMs / 1000);
    opts.metrics.storePendingWrites.set({ cluster }, tracker.pendingWrites);
    const lagging = lagMs > opts.lagLimitMs;
    opts.readiness.set(
      condition,
      !lagging,
      lagging
        ? `${tracker.pendingWrites} drift record change(s) not stored for ${Math.round(lagMs / 1000)}s`
        : undefined,
    );
  }, opts.intervalMs ?? 1000);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await flushing;
  };
}

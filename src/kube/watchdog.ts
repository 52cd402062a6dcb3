// Watches the watches: an informer that believes its watch is open but heard nothing (no event, no bookmark) for
// longer than the silence bound is relisted (a connection dead without FIN or RST, an apiserver that stopped
// sending); an informer whose loop ended on its own is restarted with backoff. The apiserver sends a bookmark on an
// idle watch about every minute (measured: the first after ~120 s, then every 60 s), so silence well past that is a
// fault, not a quiet collection.
import type { Logger } from "pino";
import type { Informer } from "./informer.js";

export type WatchRestartReason = "silent" | "stopped";

export interface WatchdogOptions {
  /** Relist a synced watch that heard nothing for this long. */
  silenceMs: number;
  /** The informers to watch, read at each check (they come and go with the desired state). */
  watches: () => Iterable<{ watch: string; informer: Informer }>;
  logger: Logger;
  onRestart?: (reason: WatchRestartReason) => void;
  /** How often to check; a quarter of the silence bound, at most 5 s, by default. */
  checkMs?: number;
}

const FIRST_BACKOFF_MS = 1000;
const MAX_BACKOFF_MS = 60_000;

export class WatchWatchdog {
  private timer: NodeJS.Timeout | undefined;
  /** Per informer that failed: when it may be restarted next, and the wait after that. */
  private readonly backoff = new WeakMap<Informer, { at: number; ms: number }>();

  constructor(private readonly opts: WatchdogOptions) {}

  start(): void {
    if (this.timer) return;
    const every = this.opts.checkMs ?? Math.min(this.opts.silenceMs / 4, 5000);
    this.timer = setInterval(() => this.check(), every);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  check(now = Date.now()): void {
    for (const { watch, informer } of this.opts.watches()) {
      const failure = informer.failed;
      if (failure !== undefined) {
        const b = this.backoff.get(informer) ?? { at: now, ms: FIRST_BACKOFF_MS };
        if (now < b.at) continue;
        this.opts.logger.warn({ watch, err: failure, retryInMs: b.ms }, "informer stopped; restarting it");
        this.backoff.set(informer, { at: now + b.ms, ms: Math.min(b.ms * 2, MAX_BACKOFF_MS) });
        informer.restart();
        this.opts.onRestart?.("stopped");
        continue;
      }
      // Out of sync means the informer is already retrying (the apiserver is away): nothing to add.
      if (!informer.isSynced) continue;
      this.backoff.delete(informer); // back in sync: a later failure starts from the first wait again
      const silent = informer.silentForMs(now);
      if (silent <= this.opts.silenceMs) continue;
      this.opts.logger.warn({ watch, silentSeconds: Math.round(silent / 1000) }, "watch silent; relisting");
      informer.relist();
      this.opts.onRestart?.("silent");
    }
  }
}

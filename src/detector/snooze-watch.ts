// Snoozes (`ignore` with `until`) as the announcer needs them: which records are snoozed right now, and a call
// when a snooze ends. Any replica may set a snooze (the API answers on all of them), so the store is the truth:
// read with each batch of drift events, and polled (then timed to the earliest end) to notice snoozes that end.
import type { Logger } from "pino";
import { errorMessage } from "../lib/errors.js";

/** A record muted until a time (remediation's `ignore` with `until` writes them). */
export interface Snooze {
  recordId: string;
  until: string;
  createdBy: string;
}

export interface SnoozeSource {
  activeSnoozes(now?: Date): Promise<Map<string, Snooze>>;
}

export interface SnoozeWatchOptions {
  source: SnoozeSource;
  logger: Logger;
  /** A snooze of this record ended (and was not extended); called once per snooze. */
  onEnded: (recordId: string, until: string) => void;
  /** How often the store is read for snoozes set elsewhere; default 30 s. */
  pollMs?: number;
  now?: () => Date;
}

const DEFAULT_POLL_MS = 30_000;

export class SnoozeWatch {
  /** Snoozes seen running, by record id: until (ISO). */
  private readonly known = new Map<string, string>();
  private timer?: NodeJS.Timeout;
  private stopped = false;
  private readonly now: () => Date;

  constructor(private readonly opts: SnoozeWatchOptions) {
    this.now = opts.now ?? (() => new Date());
  }

  start(): void {
    void this.tick();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  /**
   * The running snoozes now, by record id. When the store cannot say, none: a notification too many beats a
   * drift nobody hears about.
   */
  async current(): Promise<Map<string, string>> {
    try {
      const active = await this.opts.source.activeSnoozes(this.now());
      const out = new Map<string, string>();
      for (const [id, s] of active) out.set(id, s.until);
      this.learn(out);
      return out;
    } catch (err) {
      this.opts.logger.warn({ err: errorMessage(err) }, "cannot read snoozes: announcing as if none were set");
      return new Map();
    }
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    const now = this.now().getTime();
    const active = await this.current();
    for (const [id, until] of [...this.known]) {
      // Not over yet, or extended (a newer `until` is in `active` and was learned above).
      if (Date.parse(until) > now || active.has(id)) continue;
      this.known.delete(id);
      this.opts.onEnded(id, until);
    }
    this.schedule();
  }

  private learn(active: Map<string, string>): void {
    for (const [id, until] of active) this.known.set(id, until);
    this.schedule();
  }

  private schedule(): void {
    if (this.stopped) return;
    const now = this.now().getTime();
    let wait = this.opts.pollMs ?? DEFAULT_POLL_MS;
    // A little past the end, so that the store no longer counts the snooze as running.
    for (const until of this.known.values()) wait = Math.min(wait, Math.max(Date.parse(until) - now + 20, 20));
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.tick(), wait);
    this.timer.unref();
  }
}

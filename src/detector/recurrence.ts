// The stuck-drift-loop signal: a drift that reopens with the same fingerprint soon after its record resolved (a
// revert, an apply from the hub, a hand edit) is being reapplied by something — a controller, a mutating webhook —
// that fights the hub. Each resolution is remembered for `windowMs`; reopening within it counts one more in a row.
// Kept in memory per tracker: after a restart or leader change the count starts again, which only delays the signal.
import type { DriftRecord, DriftRecurrence } from "./records.js";

export interface RecurrenceOptions {
  /** How soon after a resolution a reopening counts (default 15 minutes). */
  windowMs?: number;
  /** Reopenings in a row that make a loop (default 3). */
  loopAfter?: number;
}

interface Resolved {
  id: string;
  fingerprint: string;
  at: number;
  reopened: number;
}

export class RecurrenceWatch {
  private readonly resolved = new Map<string, Resolved>();
  private readonly windowMs: number;
  private readonly loopAfter: number;

  constructor(opts: RecurrenceOptions = {}) {
    this.windowMs = opts.windowMs ?? 15 * 60_000;
    this.loopAfter = opts.loopAfter ?? 3;
  }

  /** Remembers a record that just resolved. */
  noteResolved(rec: DriftRecord, at: Date): void {
    this.prune(at.getTime());
    this.resolved.set(rec.key, {
      id: rec.id,
      fingerprint: rec.fingerprint,
      at: at.getTime(),
      reopened: rec.recurrence?.reopened ?? 0,
    });
  }

  /** The recurrence of a drift opening now on `key`, if it is the one that resolved there within the window. */
  reopening(key: string, fingerprint: string, at: Date): DriftRecurrence | undefined {
    const previous = this.resolved.get(key);
    this.resolved.delete(key);
    if (!previous || previous.fingerprint !== fingerprint || at.getTime() - previous.at > this.windowMs)
      return undefined;
    const reopened = previous.reopened + 1;
    return { reopened, previousId: previous.id, looping: reopened >= this.loopAfter };
  }

  private prune(now: number): void {
    for (const [key, r] of this.resolved) if (now - r.at > this.windowMs) this.resolved.delete(key);
  }
}

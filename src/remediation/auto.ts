// DRIFT_REMEDIATION=auto: drift that the policy names is reverted without a person, one at a time, within a
// service-wide rate limit and with a per-resource backoff (as Argo CD's self-heal), so a writer that keeps
// changing a field is not fought in a tight loop. Everything else waits for a person, as in `suggest`.
import type { Logger } from "pino";
import type { DriftEvent } from "../detector/records.js";
import { errorMessage } from "../lib/errors.js";
import { allowingRule, type RemediationPolicy } from "./policy.js";
import type { DriftRecordView, Remediator } from "./types.js";

export const AUTO_ACTOR = "drift-detector (auto)";

export interface AutoRemediatorOptions {
  policy: RemediationPolicy;
  remediator: Remediator;
  /** The desired object's labels (policy label selectors); undefined when unknown. */
  labelsOf(record: DriftRecordView): Promise<Record<string, string> | undefined>;
  /** The record as it stands now (it may be resolved by the time a backoff ends). */
  current(recordId: string): Promise<DriftRecordView | undefined>;
  /** Whether a person snoozed the record: a snooze means "leave it alone until then", for auto too. */
  snoozed?(recordId: string): Promise<boolean>;
  logger?: Logger;
  now?: () => number;
  /** Timers are injectable for tests. */
  setTimer?: (fn: () => void, ms: number) => { unref?: () => void };
}

interface Attempts {
  count: number;
  last: number;
}

export class AutoRemediator {
  private readonly attempts = new Map<string, Attempts>();
  private readonly recent: number[] = [];
  private readonly scheduled = new Set<string>();
  private chain: Promise<void> = Promise.resolve();
  private stopped = false;
  private readonly now: () => number;
  /** Decisions, for tests and the log. */
  readonly stats = { reverted: 0, failed: 0, skippedByPolicy: 0, skippedSnoozed: 0, deferred: 0 };

  constructor(private readonly opts: AutoRemediatorOptions) {
    this.now = opts.now ?? Date.now;
  }

  /** Subscribe this to the drift events of the leader. */
  readonly onEvent = (ev: DriftEvent): void => {
    if (this.stopped || ev.event === "resolved") return;
    this.enqueue(ev.record.id);
  };

  stop(): void {
    this.stopped = true;
  }

  /** Resolves when everything queued so far has been handled (tests, shutdown). */
  idle(): Promise<void> {
    return this.chain;
  }

  private enqueue(recordId: string): void {
    this.chain = this.chain.then(() => this.consider(recordId)).catch(() => {});
  }

  private async consider(recordId: string): Promise<void> {
    if (this.stopped) return;
    const record = await this.opts.current(recordId);
    if (record?.status !== "open") return;
    if (await this.opts.snoozed?.(recordId)) {
      this.stats.skippedSnoozed++;
      return;
    }
    const labels = (await this.opts.labelsOf(record)) ?? {};
    const rule = allowingRule(this.opts.policy, record, labels);
    if (!rule) {
      this.stats.skippedByPolicy++;
      return;
    }
    const key = resourceKey(record);
    const wait = Math.max(this.backoffUntil(key), this.rateLimitUntil()) - this.now();
    if (wait > 0) {
      this.stats.deferred++;
      this.retryLater(recordId, wait);
      return;
    }
    const prev = this.attempts.get(key);
    // A resource left alone for a while starts its backoff afresh.
    const count = prev && this.now() - prev.last < this.opts.policy.backoff.max * 2 ? prev.count + 1 : 1;
    this.attempts.set(key, { count, last: this.now() });
    this.recent.push(this.now());
    try {
      const result = await this.opts.remediator.act(recordId, { action: "revert", dryRun: false, actor: AUTO_ACTOR });
      if (result.outcome === "succeeded") this.stats.reverted++;
      else this.stats.failed++;
      this.opts.logger?.info(
        { event: "auto-remediation", record: recordId, rule: rule.name, outcome: result.outcome },
        result.message,
      );
    } catch (err) {
      this.stats.failed++;
      this.opts.logger?.warn({ event: "auto-remediation", record: recordId, rule: rule.name }, errorMessage(err));
    }
  }

  private backoffUntil(key: string): number {
    const prev = this.attempts.get(key);
    if (!prev) return 0;
    const { initial, factor, max } = this.opts.policy.backoff;
    if (this.now() - prev.last >= max * 2) return 0;
    return prev.last + Math.min(initial * factor ** (prev.count - 1), max);
  }

  private rateLimitUntil(): number {
    const { reverts, per } = this.opts.policy.rateLimit;
    while (this.recent.length > 0 && this.recent[0]! <= this.now() - per) this.recent.shift();
    return this.recent.length < reverts ? 0 : this.recent[0]! + per;
  }

  private retryLater(recordId: string, ms: number): void {
    if (this.scheduled.has(recordId)) return;
    this.scheduled.add(recordId);
    const set = this.opts.setTimer ?? ((fn: () => void, t: number) => setTimeout(fn, t));
    const timer = set(() => {
      this.scheduled.delete(recordId);
      if (!this.stopped) this.enqueue(recordId);
    }, ms);
    timer.unref?.();
  }
}

function resourceKey(r: DriftRecordView & { cluster?: string }): string {
  return `${r.cluster ?? ""}|${r.ref.apiVersion}|${r.ref.kind}|${r.ref.namespace ?? ""}|${r.ref.name}`;
}

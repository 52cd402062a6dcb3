// Announces drift transitions: metrics at once, then (in the background, in order) the log line, Kubernetes Event,
// webhook and live stream of each, as soon as it is recorded. Detection never waits for any of it, and neither does
// the announcement wait for the model: the new or changed drifts go to a bounded analysis queue, and each analysis
// follows as a second message (a log line and a webhook message naming the drift; the record gets it in the store).
// The rules answer at once without I/O: their analysis is in the announcement itself.
// A snoozed record's transitions are logged (with `snoozedUntil`) and streamed, but reach no sink until the snooze
// ends; then, if the drift is still open, it is announced once more.
import type { Logger } from "pino";
import type { Analysis, Analyzer } from "../analysis/types.js";
import { errorMessage } from "../lib/errors.js";
import { AnalysisQueue, type AnalysisQueueOptions } from "./analysis-queue.js";
import { analysisRequest } from "./analysis-request.js";
import type { DriftEventBus } from "./event-bus.js";
import type { DriftMetrics } from "./metrics.js";
import type { DriftEvent, DriftRecord } from "./records.js";
import { logDriftAnalysis, logDriftEvent } from "./reporters/log.js";
import { type SnoozeSource, SnoozeWatch } from "./snooze-watch.js";

export interface AnnouncerOptions {
  logger: Logger;
  metrics: DriftMetrics;
  bus: DriftEventBus;
  /**
   * Batches related drifts and caches model analyses by fingerprint itself (analysis/model-analyzer.ts, with the
   * store-backed cache in the service), so the announcer keeps no cache of its own.
   */
  analyzer?: Analyzer;
  /** The analysis queue's bounds and backoff (defaults in analysis-queue.ts). */
  analysisQueue?: Pick<AnalysisQueueOptions, "capacity" | "retryBaseMs" | "retryMaxMs" | "maxWaitMs">;
  /** DRIFT_IDENTITY_TO_MODEL: the model is told who made the change (personal data, off by default). */
  identityToModel?: boolean;
  /** Persists the analysis on the record (the tracker). */
  attachAnalysis?: (record: DriftRecord, analysis: Analysis) => Promise<void>;
  /** Extra sinks (Kubernetes Events, webhook); each must not throw and should not wait (they queue their own work). */
  sinks?: Array<(ev: DriftEvent) => void | Promise<void>>;
  /** Snoozed records (the remediation store): no sink hears of them until the snooze ends. */
  snoozes?: SnoozeSource;
  /** The open record with this id, if this announcer's cluster has it (the tracker): for the snooze-ended reminder. */
  openRecord?: (id: string) => DriftRecord | undefined;
  /** Whether this replica reports its cluster now (leads it); only then it sends the snooze-ended reminder. */
  leading?: () => boolean;
  /**
   * The lease fence: whether this replica may still speak for its cluster. A transition it recorded but can no
   * longer deliver is logged as such (the record is in the store; the new leader does not announce it again).
   */
  holdsLease?: () => boolean;
  /** How often snoozes set elsewhere are read from the store (default 30 s). */
  snoozePollMs?: number;
}

export class Announcer {
  private chain: Promise<void> = Promise.resolve();
  private pending = 0;
  private readonly snoozeWatch?: SnoozeWatch;
  private readonly analyses?: AnalysisQueue;

  constructor(private readonly opts: AnnouncerOptions) {
    if (opts.snoozes) {
      this.snoozeWatch = new SnoozeWatch({
        source: opts.snoozes,
        logger: opts.logger,
        pollMs: opts.snoozePollMs,
        onEnded: (id, until) => this.remind(id, until),
      });
      this.snoozeWatch.start();
    }
    if (opts.analyzer && !opts.analyzer.immediate) {
      this.analyses = new AnalysisQueue({
        ...opts.analysisQueue,
        identityToModel: opts.identityToModel,
        analyzer: opts.analyzer,
        logger: opts.logger,
        onDropped: () => opts.metrics.queueDropped.inc({ queue: "analysis" }),
        onAnalysed: (record, analysis, event) => this.analysed(record, analysis, event),
      });
    }
  }

  /**
   * Shutdown: stops watching snoozes and cuts analyses short (queued drifts get the rules' analysis), so that what
   * was announced is still delivered (see idle()) well within the shutdown deadline.
   */
  stop(): void {
    this.snoozeWatch?.stop();
    this.analyses?.stop();
  }

  /** The transitions of one detection: delivered in order at once, then queued for analysis. */
  announce(events: DriftEvent[]): void {
    if (events.length === 0) return;
    for (const ev of events) this.opts.metrics.event(ev.event);
    this.pending += events.length;
    this.enqueue(async () => {
      try {
        await this.deliverAll(events);
      } finally {
        this.pending -= events.length;
      }
      for (const ev of events) {
        if (ev.event !== "resolved" && !ev.record.analysis) this.analyses?.add(ev.record, ev.event);
      }
    });
  }

  /** Resolves when everything announced so far was delivered and analysed. */
  async idle(): Promise<void> {
    await this.chain;
    await this.analyses?.idle();
    await this.chain; // the second messages
  }

  /** Transitions not delivered yet. */
  get backlog(): number {
    return this.pending;
  }

  /** Drifts waiting for their analysis. */
  get analysisBacklog(): number {
    return this.analyses?.size ?? 0;
  }

  private enqueue(step: () => Promise<void>): void {
    this.chain = this.chain
      .then(step)
      .catch((err) => this.opts.logger.warn({ err: errorMessage(err) }, "announcing drift events failed"));
  }

  private async deliverAll(events: DriftEvent[]): Promise<void> {
    if (this.opts.analyzer?.immediate) {
      await this.analyseNow(events).catch((err) =>
        this.opts.logger.warn({ err: errorMessage(err) }, "analysis failed"),
      );
    }
    const snoozed = await this.snoozed();
    for (const ev of events) {
      const until = snoozed.get(ev.record.id);
      await this.deliver(until ? { ...ev, snoozedUntil: until } : ev);
    }
  }

  private async analyseNow(events: DriftEvent[]): Promise<void> {
    const records = events.filter((ev) => ev.event !== "resolved" && !ev.record.analysis).map((ev) => ev.record);
    if (!this.opts.analyzer || records.length === 0) return;
    const analyses = await this.opts.analyzer.analyze(
      records.map((r) => analysisRequest(r, this.opts.identityToModel)),
    );
    for (const [i, record] of records.entries()) {
      const analysis = analyses[i];
      if (!analysis) continue;
      record.analysis = analysis;
      await this.opts.attachAnalysis?.(record, analysis).catch((err) => {
        this.opts.logger.warn({ err: errorMessage(err), driftId: record.id }, "storing the analysis failed");
      });
    }
  }

  private async snoozed(): Promise<Map<string, string>> {
    return (await this.snoozeWatch?.current()) ?? new Map<string, string>();
  }

  /** The analysis arrived: stored on the record, then the second message (log line and sinks; not the stream). */
  private async analysed(record: DriftRecord, analysis: Analysis, event: DriftEvent["event"]): Promise<void> {
    record.analysis = analysis;
    try {
      await this.opts.attachAnalysis?.(record, analysis);
    } catch (err) {
      this.opts.logger.warn({ err: errorMessage(err), driftId: record.id }, "storing the analysis failed");
    }
    this.enqueue(async () => {
      const until = (await this.snoozed()).get(record.id);
      await this.deliver(
        { event, record, analysed: true, ...(until ? { snoozedUntil: until } : {}) },
        { stream: false },
      );
    });
  }

  /** The snooze of a record ended: if its drift is still open here (and we report it), say so once. */
  private remind(recordId: string, until: string): void {
    if (this.opts.leading && !this.opts.leading()) return;
    const record = this.opts.openRecord?.(recordId);
    if (!record) return; // resolved during the snooze, or another cluster's record
    // Not a transition: no metric, no live stream (the record did not change), only the log line and the sinks.
    this.enqueue(() => this.deliver({ event: "opened", record, snoozeEnded: until }, { stream: false }));
  }

  private async deliver(ev: DriftEvent, { stream = true } = {}): Promise<void> {
    try {
      if (this.opts.holdsLease && !this.opts.holdsLease()) {
        this.opts.logger.warn(
          { driftId: ev.record.id, event: ev.event, ...(ev.analysed ? { analysed: true } : {}) },
          ev.analysed
            ? "drift analysis not announced: this replica no longer holds its lease"
            : "drift transition not announced: this replica no longer holds its lease",
        );
        return;
      }
      if (ev.analysed) logDriftAnalysis(this.opts.logger, ev);
      else logDriftEvent(this.opts.logger, ev);
      if (stream) this.opts.bus.publish(ev);
      if (ev.snoozedUntil) return; // snoozed: the log line (and the dashboard's stream) only
      await Promise.all((this.opts.sinks ?? []).map((sink) => Promise.resolve(sink(ev)).catch(() => undefined)));
    } catch (err) {
      this.opts.logger.warn({ err: errorMessage(err), driftId: ev.record.id }, "announcing a drift event failed");
    }
  }
}

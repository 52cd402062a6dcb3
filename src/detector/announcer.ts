// Announces drift transitions: metrics at once, then (in the background, in order) one analysis call for the new or
// changed drifts of a detection, and the log line, Kubernetes Event, webhook and live stream of each. Detection
// never waits for any of it. A snoozed record's transitions are logged (with `snoozedUntil`) and streamed, but
// reach no sink until the snooze ends; then, if the drift is still open, it is announced once more.
import type { Logger } from "pino";
import type { Analysis, AnalysisRequest, Analyzer } from "../analysis/types.js";
import { describeChangedBy } from "../identity/personal-data.js";
import { errorMessage } from "../lib/errors.js";
import type { DriftEventBus } from "./event-bus.js";
import type { DriftMetrics } from "./metrics.js";
import type { DriftEvent, DriftRecord } from "./records.js";
import { logDriftEvent } from "./reporters/log.js";
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
  /** DRIFT_IDENTITY_TO_MODEL: the model is told who made the change (personal data, off by default). */
  identityToModel?: boolean;
  /** Persists the analysis on the record (the tracker). */
  attachAnalysis?: (record: DriftRecord, analysis: Analysis) => Promise<void>;
  /** Extra sinks (Kubernetes Events, webhook); each must not throw. */
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
  private readonly stopping = new AbortController();

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
  }

  /**
   * Shutdown: stops watching snoozes and cuts analyses in flight short (their drifts get the rules' analysis), so
   * that what was announced is still delivered (see idle()) well within the shutdown deadline.
   */
  stop(): void {
    this.snoozeWatch?.stop();
    this.stopping.abort();
  }

  /** The transitions of one detection: analysed together (one analyze() call), then delivered in order. */
  announce(events: DriftEvent[]): void {
    if (events.length === 0) return;
    for (const ev of events) this.opts.metrics.event(ev.event);
    this.pending += events.length;
    this.chain = this.chain
      .then(() => this.deliverAll(events))
      .catch((err) => this.opts.logger.warn({ err: errorMessage(err) }, "announcing drift events failed"))
      .finally(() => {
        this.pending -= events.length;
      });
  }

  /** Resolves when everything announced so far was delivered. */
  idle(): Promise<void> {
    return this.chain;
  }

  get backlog(): number {
    return this.pending;
  }

  private async deliverAll(events: DriftEvent[]): Promise<void> {
    await this.analyse(events.filter((ev) => ev.event !== "resolved" && !ev.record.analysis).map((ev) => ev.record));
    const snoozed = (await this.snoozeWatch?.current()) ?? new Map<string, string>();
    for (const ev of events) {
      const until = snoozed.get(ev.record.id);
      await this.deliver(until ? { ...ev, snoozedUntil: until } : ev);
    }
  }

  /** The snooze of a record ended: if its drift is still open here (and we report it), say so once. */
  private remind(recordId: string, until: string): void {
    if (this.opts.leading && !this.opts.leading()) return;
    const record = this.opts.openRecord?.(recordId);
    if (!record) return; // resolved during the snooze, or another cluster's record
    // Not a transition: no metric, no live stream (the record did not change), only the log line and the sinks.
    this.chain = this.chain
      .then(() => this.deliver({ event: "opened", record, snoozeEnded: until }, { stream: false }))
      .catch((err) => this.opts.logger.warn({ err: errorMessage(err) }, "announcing a drift event failed"));
  }

  private async deliver(ev: DriftEvent, { stream = true } = {}): Promise<void> {
    try {
      if (this.opts.holdsLease && !this.opts.holdsLease()) {
        this.opts.logger.warn(
          { driftId: ev.record.id, event: ev.event },
          "drift transition not announced: this replica no longer holds its lease",
        );
        return;
      }
      logDriftEvent(this.opts.logger, ev);
      if (stream) this.opts.bus.publish(ev);
      if (ev.snoozedUntil) return; // snoozed: the log line (and the dashboard's stream) only
      await Promise.all((this.opts.sinks ?? []).map((sink) => Promise.resolve(sink(ev)).catch(() => undefined)));
    } catch (err) {
      this.opts.logger.warn({ err: errorMessage(err), driftId: ev.record.id }, "announcing a drift event failed");
    }
  }

  private async analyse(records: DriftRecord[]): Promise<void> {
    const { analyzer } = this.opts;
    if (!analyzer || records.length === 0) return;
    let analyses: Analysis[];
    try {
      analyses = await analyzer.analyze(
        records.map((r) => analysisRequest(r, this.opts.identityToModel)),
        { signal: this.stopping.signal },
      );
    } catch (err) {
      this.opts.logger.warn({ err: errorMessage(err), drifts: records.length }, "analysis failed");
      return;
    }
    for (const [i, record] of records.entries()) {
      const analysis = analyses[i];
      if (!analysis) continue;
      record.analysis = analysis;
      try {
        await this.opts.attachAnalysis?.(record, analysis);
      } catch (err) {
        this.opts.logger.warn({ err: errorMessage(err), driftId: record.id }, "storing the analysis failed");
      }
    }
  }
}

/** What the analyzer is asked about a record: its verdict, and its id so that commands can name it. */
export function analysisRequest(record: DriftRecord, identityToModel = false): AnalysisRequest {
  const changedBy = identityToModel ? describeChangedBy(record.changedBy) : undefined;
  return {
    result: {
      ref: record.ref,
      source: record.source,
      status: record.resourceStatus,
      severity: record.severity,
      changes: record.changes,
      ignored: record.ignored,
    },
    fingerprint: record.fingerprint,
    context: {
      driftId: record.id,
      history: record.history.map((h) => ({
        openedAt: h.at,
        paths: h.paths,
        outcome: "open" as const,
        by: h.by.join(", ") || undefined,
      })),
      ...(changedBy ? { changedBy } : {}),
    },
  };
}

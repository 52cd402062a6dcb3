// Announces drift transitions: metrics at once, then (in the background, in order) one analysis call for the new or
// changed drifts of a detection, and the log line, Kubernetes Event, webhook and live stream of each. Detection
// never waits for any of it.
import type { Logger } from "pino";
import type { Analysis, AnalysisRequest, Analyzer } from "../analysis/types.js";
import { errorMessage } from "../kube/errors.js";
import type { DriftEventBus } from "./event-bus.js";
import type { DriftMetrics } from "./metrics.js";
import type { DriftEvent, DriftRecord } from "./records.js";
import { logDriftEvent } from "./reporters/log.js";

export interface AnnouncerOptions {
  logger: Logger;
  metrics: DriftMetrics;
  bus: DriftEventBus;
  /**
   * Batches related drifts and caches model analyses by fingerprint itself (analysis/model-analyzer.ts, with the
   * store-backed cache in the service), so the announcer keeps no cache of its own.
   */
  analyzer?: Analyzer;
  /** Persists the analysis on the record (the tracker). */
  attachAnalysis?: (record: DriftRecord, analysis: Analysis) => Promise<void>;
  /** Extra sinks (Kubernetes Events, webhook); each must not throw. */
  sinks?: Array<(ev: DriftEvent) => void | Promise<void>>;
}

export class Announcer {
  private chain: Promise<void> = Promise.resolve();
  private pending = 0;

  constructor(private readonly opts: AnnouncerOptions) {}

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
    for (const ev of events) {
      try {
        logDriftEvent(this.opts.logger, ev);
        this.opts.bus.publish(ev);
        await Promise.all((this.opts.sinks ?? []).map((sink) => Promise.resolve(sink(ev)).catch(() => undefined)));
      } catch (err) {
        this.opts.logger.warn({ err: errorMessage(err), driftId: ev.record.id }, "announcing a drift event failed");
      }
    }
  }

  private async analyse(records: DriftRecord[]): Promise<void> {
    const { analyzer } = this.opts;
    if (!analyzer || records.length === 0) return;
    let analyses: Analysis[];
    try {
      analyses = await analyzer.analyze(records.map(analysisRequest));
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
export function analysisRequest(record: DriftRecord): AnalysisRequest {
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
    },
  };
}

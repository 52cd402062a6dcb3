// Announces drift transitions: metrics at once, then (in the background, in order) the analysis of new or changed
// fingerprints, and the log line, Kubernetes Event, webhook and live stream. Detection never waits for any of it.
import type { Logger } from "pino";
import type { Analyzer } from "../analysis/types.js";
import { errorMessage } from "../kube/errors.js";
import type { DriftEventBus } from "./event-bus.js";
import type { DriftMetrics } from "./metrics.js";
import type { DriftEvent, DriftRecord } from "./records.js";
import { logDriftEvent } from "./reporters/log.js";

export interface AnnouncerOptions {
  logger: Logger;
  metrics: DriftMetrics;
  bus: DriftEventBus;
  /** Caches by fingerprint itself (analysis/factory.ts), so a known drift costs no request. */
  analyzer?: Analyzer;
  /** Persists the analysis on the record (the tracker). */
  attachAnalysis?: (record: DriftRecord, analysis: NonNullable<DriftRecord["analysis"]>) => Promise<void>;
  /** Extra sinks (Kubernetes Events, webhook); each must not throw. */
  sinks?: Array<(ev: DriftEvent) => void | Promise<void>>;
}

export class Announcer {
  private chain: Promise<void> = Promise.resolve();
  private pending = 0;

  constructor(private readonly opts: AnnouncerOptions) {}

  announce(events: DriftEvent[]): void {
    for (const ev of events) {
      this.opts.metrics.event(ev.event);
      this.pending++;
      this.chain = this.chain
        .then(() => this.deliver(ev))
        .catch((err) => this.opts.logger.warn({ err: errorMessage(err) }, "announcing a drift event failed"))
        .finally(() => {
          this.pending--;
        });
    }
  }

  /** Resolves when everything announced so far was delivered. */
  idle(): Promise<void> {
    return this.chain;
  }

  get backlog(): number {
    return this.pending;
  }

  private async deliver(ev: DriftEvent): Promise<void> {
    if (ev.event !== "resolved" && !ev.record.analysis) await this.analyse(ev.record);
    logDriftEvent(this.opts.logger, ev);
    this.opts.bus.publish(ev);
    await Promise.all((this.opts.sinks ?? []).map((sink) => Promise.resolve(sink(ev)).catch(() => undefined)));
  }

  private async analyse(record: DriftRecord): Promise<void> {
    const { analyzer } = this.opts;
    if (!analyzer) return;
    try {
      const result = {
        ref: record.ref,
        source: record.source,
        status: record.resourceStatus,
        severity: record.severity,
        changes: record.changes,
        ignored: record.ignored,
      };
      const history = record.history.map((h) => ({
        openedAt: h.at,
        paths: h.paths,
        outcome: "open" as const,
        by: h.by.join(", ") || undefined,
      }));
      const [analysis] = await analyzer.analyze([
        { result, fingerprint: record.fingerprint, context: { driftId: record.id, history } },
      ]);
      if (!analysis) return;
      record.analysis = analysis;
      await this.opts.attachAnalysis?.(record, analysis);
    } catch (err) {
      this.opts.logger.warn({ err: errorMessage(err), driftId: record.id }, "analysis failed");
    }
  }
}

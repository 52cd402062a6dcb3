// The analyses of announced drifts, worked in the background by one worker in batches. The queue is bounded and
// keyed by record: an updated record replaces its queued verdict (one analysis, of the latest), and a full queue
// drops its oldest entry (counted; that drift takes the rules' analysis, which needs no I/O). A drift no model could analyse for now (429,
// overload, timeout, network) waits and is tried again with backoff until it has waited `maxWaitMs`; then it takes
// the rules' analysis it was given. At shutdown what is queued is analysed at once (the rules: no model waits then).
import type { Logger } from "pino";
import { analyzeWithRules } from "../analysis/rules/analyzer.js";
import type { Analysis, Analyzer } from "../analysis/types.js";
import { BoundedQueue } from "../lib/bounded-queue.js";
import { errorMessage } from "../lib/errors.js";
import { analysisRequest } from "./analysis-request.js";
import type { DriftEventType, DriftRecord } from "./records.js";

export interface AnalysisQueueOptions {
  analyzer: Analyzer;
  logger: Logger;
  /** The record analysed, still open with the verdict analysed: store it, send the second message. */
  onAnalysed: (record: DriftRecord, analysis: Analysis, event: DriftEventType) => Promise<void>;
  onDropped?: () => void;
  capacity?: number;
  batchSize?: number;
  /** Backoff of a drift whose model was unavailable: base, doubled per attempt, up to max. */
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** How long a drift waits for a model before it keeps the rules' analysis. */
  maxWaitMs?: number;
  /** DRIFT_IDENTITY_TO_MODEL: the model is told who made the change. */
  identityToModel?: boolean;
}

interface Entry {
  record: DriftRecord;
  /** The verdict queued: a record that changed since is analysed again under its new entry. */
  fingerprint: string;
  event: DriftEventType;
  queuedAt: number;
  dueAt: number;
  attempts: number;
}

export class AnalysisQueue {
  private readonly queue: BoundedQueue<Entry>;
  private running: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private readonly stopping = new AbortController();

  constructor(private readonly opts: AnalysisQueueOptions) {
    this.queue = new BoundedQueue<Entry>(opts.capacity ?? 1000, (entry) => {
      opts.onDropped?.();
      opts.logger.warn(
        { driftId: entry.record.id, capacity: this.queue.capacity },
        "analysis queue full: the oldest drift waiting was dropped and takes the rules' analysis",
      );
      if (current(entry)) void this.deliver(entry, analyzeWithRules(analysisRequest(entry.record))); // it logs its own failure
    });
  }

  get size(): number {
    return this.queue.size;
  }

  add(record: DriftRecord, event: DriftEventType): void {
    const now = Date.now();
    this.queue.push(record.id, {
      record,
      fingerprint: record.fingerprint,
      event,
      queuedAt: now,
      dueAt: now,
      attempts: 0,
    });
    this.kick();
  }

  /** Shutdown: no more model calls or waits; what is queued gets its analysis now. */
  stop(): void {
    this.stopping.abort();
    this.wake?.();
  }

  /** Resolves when the queue is empty and the worker done. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  private kick(): void {
    this.wake?.();
    this.running ??= this.run().finally(() => {
      this.running = undefined;
    });
  }

  private async run(): Promise<void> {
    const o = this.opts;
    await Promise.resolve(); // the drifts of one detection are added in one go: analysed in one batch
    while (this.queue.size > 0) {
      const now = Date.now();
      const stopping = this.stopping.signal.aborted;
      const batch = this.queue
        .take(o.batchSize ?? 20, (e) => stopping || e.dueAt <= now)
        .map(([, e]) => e)
        .filter((e) => current(e));
      if (batch.length === 0) {
        let next = Number.POSITIVE_INFINITY;
        for (const e of this.queue.values()) next = Math.min(next, e.dueAt);
        if (next === Number.POSITIVE_INFINITY) continue; // only stale entries were left
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, Math.max(0, next - now));
          this.wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        this.wake = undefined;
        continue;
      }
      await this.analyse(batch);
    }
  }

  private async deliver(entry: Entry, analysis: Analysis): Promise<void> {
    try {
      await this.opts.onAnalysed(entry.record, analysis, entry.event);
    } catch (err) {
      this.opts.logger.warn({ err: errorMessage(err), driftId: entry.record.id }, "delivering the analysis failed");
    }
  }

  private async analyse(batch: Entry[]): Promise<void> {
    const o = this.opts;
    const unavailable = new Set<number>();
    let analyses: Analysis[];
    try {
      analyses = await o.analyzer.analyze(
        batch.map((e) => analysisRequest(e.record, o.identityToModel)),
        {
          signal: this.stopping.signal,
          onModelUnavailable: (indexes) => {
            for (const i of indexes) unavailable.add(i);
          },
        },
      );
    } catch (err) {
      o.logger.warn({ err: errorMessage(err), drifts: batch.length }, "analysis failed");
      return;
    }
    const now = Date.now();
    const deferred: string[] = [];
    let retryMs = 0;
    for (const [i, entry] of batch.entries()) {
      if (this.queue.get(entry.record.id)) continue; // queued again meanwhile, with a newer verdict
      const waited = now - entry.queuedAt;
      if (unavailable.has(i) && !this.stopping.signal.aborted && waited < (o.maxWaitMs ?? 3_600_000)) {
        const base = o.retryBaseMs ?? 10_000;
        retryMs = Math.min(o.retryMaxMs ?? 300_000, base * 2 ** entry.attempts);
        this.queue.push(entry.record.id, { ...entry, attempts: entry.attempts + 1, dueAt: now + retryMs });
        deferred.push(entry.record.id);
        continue;
      }
      const analysis = analyses[i];
      if (analysis && current(entry)) await this.deliver(entry, analysis);
    }
    if (deferred.length > 0) {
      o.logger.info(
        { drifts: deferred.length, driftIds: deferred, retryInSeconds: Math.round(retryMs / 1000) },
        "no model could analyse now; the drifts wait for their analysis",
      );
    }
  }
}

/** Still open with the verdict queued (resolved or changed since: nothing to analyse under this entry). */
function current(e: Entry): boolean {
  return e.record.status === "open" && e.record.fingerprint === e.fingerprint;
}

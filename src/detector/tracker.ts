// The tracker turns verdicts into DriftRecord transitions (opened → updated → resolved) and announces each exactly
// once. The store is the truth: open records are loaded at start and on becoming leader, and every transition is a
// compare-and-set there. When the store is away the tracker carries on in memory and retries the writes.
import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import { driftFingerprint } from "../analysis/fingerprint.js";
import type { Analysis } from "../analysis/types.js";
import type { ResourceResult, Severity } from "../drift/types.js";
import { errorMessage } from "../lib/errors.js";
import type { RecordStore } from "./record-store.js";
import { changeAuthors, type DriftEvent, type DriftEventType, type DriftRecord } from "./records.js";
import { type RecurrenceOptions, RecurrenceWatch } from "./recurrence.js";

export interface TrackerOptions {
  cluster: string;
  store?: RecordStore;
  logger: Logger;
  now?: () => Date;
  /** Called when the store goes away or comes back (a metric, readiness detail). */
  onStoreAvailability?: (available: boolean) => void;
  /** When a drift that keeps reopening counts as a loop. */
  recurrence?: RecurrenceOptions;
}

export class Tracker {
  private readonly open = new Map<string, DriftRecord>();
  /** Records whose last write failed, by id: written again by flush(). */
  private readonly pending = new Map<string, DriftRecord>();
  private storeAvailable = true;
  private readonly now: () => Date;
  private readonly recurrence: RecurrenceWatch;

  constructor(private readonly opts: TrackerOptions) {
    this.now = opts.now ?? (() => new Date());
    this.recurrence = new RecurrenceWatch(opts.recurrence);
  }

  get openRecords(): DriftRecord[] {
    return [...this.open.values()];
  }

  get pendingWrites(): number {
    return this.pending.size;
  }

  openRecord(key: string): DriftRecord | undefined {
    return this.open.get(key);
  }

  /** (Re)loads the open records from the store; on failure keeps what memory holds. */
  async load(): Promise<void> {
    if (!this.opts.store) return;
    try {
      const records = await this.opts.store.loadOpen(this.opts.cluster);
      this.open.clear();
      for (const r of records) this.open.set(r.key, r);
      // Writes still pending are newer than what the store had.
      for (const r of this.pending.values()) {
        if (r.status === "open") this.open.set(r.key, r);
        else if (this.open.get(r.key)?.id === r.id) this.open.delete(r.key);
      }
      this.setStoreAvailable(true);
    } catch (err) {
      this.storeFailed(err, "load open drift records");
    }
  }

  /** Applies one verdict; returns the transition to announce, if any. `Error` verdicts change nothing. */
  async record(key: string, result: ResourceResult): Promise<DriftEvent | undefined> {
    if (result.status === "Error") return undefined;
    const existing = this.open.get(key);
    if (result.status === "InSync") return existing ? this.resolve(existing) : undefined;
    const fingerprint = driftFingerprint(result);
    if (!existing) return this.openNew(key, result, fingerprint);
    if (existing.fingerprint === fingerprint) return undefined;
    return this.update(existing, result, fingerprint);
  }

  /** Resolves the record of an object that is no longer desired. */
  async forget(key: string): Promise<DriftEvent | undefined> {
    const existing = this.open.get(key);
    return existing ? this.resolve(existing) : undefined;
  }

  /** Stores an analysis on a record (best effort; retried with the other pending writes). */
  async attachAnalysis(record: DriftRecord, analysis: Analysis): Promise<void> {
    record.analysis = analysis;
    const current = this.open.get(record.key);
    if (current && current.id === record.id) current.analysis = analysis;
    await this.write(record);
  }

  /** Retries the writes that failed while the store was away. */
  async flush(): Promise<void> {
    if (!this.opts.store) return;
    if (this.pending.size === 0) {
      if (!this.storeAvailable) await this.load(); // nothing to write: probe by reading
      return;
    }
    for (const [id, rec] of [...this.pending]) {
      try {
        await this.opts.store.save(rec);
        if (this.pending.get(id) === rec) this.pending.delete(id);
        this.setStoreAvailable(true);
      } catch (err) {
        this.storeFailed(err, "retry drift record write");
        return;
      }
    }
  }

  private async openNew(key: string, result: ResourceResult, fingerprint: string): Promise<DriftEvent | undefined> {
    const now = this.now();
    const at = now.toISOString();
    const recurrence = this.recurrence.reopening(key, fingerprint, now);
    const rec: DriftRecord = {
      id: randomUUID(),
      cluster: this.opts.cluster,
      key,
      ref: result.ref,
      source: result.source,
      status: "open",
      ...verdictOf(result, fingerprint),
      openedAt: at,
      updatedAt: at,
      resolvedAt: null,
      history: [historyEntry(at, "opened", result, fingerprint)],
      ...(recurrence ? { recurrence } : {}),
    };
    const store = this.opts.store;
    if (store && this.storeAvailable) {
      try {
        const outcome = await store.open(rec);
        this.setStoreAvailable(true);
        if (!outcome.inserted) {
          // Another process (the previous leader) opened it first: adopt theirs; announce only a real difference.
          const theirs = outcome.existing;
          if (!theirs) return undefined;
          this.open.set(key, theirs);
          return theirs.fingerprint === fingerprint ? undefined : this.update(theirs, result, fingerprint);
        }
      } catch (err) {
        this.storeFailed(err, "open drift record");
        this.pending.set(rec.id, rec);
      }
    } else if (store) {
      this.pending.set(rec.id, rec);
    }
    this.open.set(key, rec);
    return { event: "opened", record: rec };
  }

  private async update(
    existing: DriftRecord,
    result: ResourceResult,
    fingerprint: string,
  ): Promise<DriftEvent | undefined> {
    const at = this.now().toISOString();
    const next: DriftRecord = {
      ...existing,
      source: result.source,
      ...verdictOf(result, fingerprint),
      updatedAt: at,
      history: [...existing.history, historyEntry(at, "updated", result, fingerprint)],
    };
    return this.transition(existing, next, "updated");
  }

  private async resolve(existing: DriftRecord): Promise<DriftEvent | undefined> {
    const at = this.now().toISOString();
    const next: DriftRecord = {
      ...existing,
      status: "resolved",
      updatedAt: at,
      resolvedAt: at,
      history: [
        ...existing.history,
        { at, event: "resolved", fingerprint: existing.fingerprint, severity: null, paths: [], by: [] },
      ],
    };
    return this.transition(existing, next, "resolved");
  }

  private async transition(
    existing: DriftRecord,
    next: DriftRecord,
    event: DriftEventType,
  ): Promise<DriftEvent | undefined> {
    const store = this.opts.store;
    if (store && this.storeAvailable && !this.pending.has(existing.id)) {
      try {
        const won = await store.transition(next, existing.fingerprint);
        this.setStoreAvailable(true);
        if (!won) return this.reconcile(existing, next);
      } catch (err) {
        this.storeFailed(err, `${event} drift record`);
        this.pending.set(next.id, next);
      }
    } else if (store) {
      this.pending.set(next.id, next);
    }
    this.apply(next);
    return { event, record: next };
  }

  /** Someone else moved the record first: take the store's state and announce nothing it already announced. */
  private async reconcile(existing: DriftRecord, next: DriftRecord): Promise<DriftEvent | undefined> {
    const theirs = await this.opts.store?.get(existing.id).catch(() => undefined);
    if (!theirs || theirs.status === "resolved") {
      // Already resolved elsewhere; should the drift still be there, the next detection opens a new record.
      this.open.delete(existing.key);
      return undefined;
    }
    this.open.set(existing.key, theirs);
    if (next.status === "resolved" || theirs.fingerprint === next.fingerprint) return undefined;
    const result = {
      ref: next.ref,
      source: next.source,
      status: next.resourceStatus,
      severity: next.severity,
      changes: next.changes,
      ignored: next.ignored,
    };
    return this.update(theirs, result, next.fingerprint);
  }

  private apply(rec: DriftRecord): void {
    if (rec.status === "open") this.open.set(rec.key, rec);
    else if (this.open.get(rec.key)?.id === rec.id) {
      this.open.delete(rec.key);
      this.recurrence.noteResolved(rec, this.now());
    }
  }

  private async write(rec: DriftRecord): Promise<void> {
    if (!this.opts.store) return;
    try {
      await this.opts.store.save(rec);
      this.setStoreAvailable(true);
    } catch (err) {
      this.storeFailed(err, "write drift record");
      this.pending.set(rec.id, rec);
    }
  }

  private storeFailed(err: unknown, what: string): void {
    if (this.storeAvailable) {
      this.opts.logger.warn(
        { err: errorMessage(err), cluster: this.opts.cluster },
        `store unavailable (${what}); continuing in memory`,
      );
    }
    this.setStoreAvailable(false);
  }

  private setStoreAvailable(available: boolean): void {
    if (available === this.storeAvailable) return;
    this.storeAvailable = available;
    if (available) this.opts.logger.info({ cluster: this.opts.cluster }, "store available again");
    this.opts.onStoreAvailability?.(available);
  }
}

function severityOf(result: ResourceResult): Severity {
  return result.severity ?? (result.status === "Missing" ? "critical" : "low");
}

/** What a record takes from the verdict it now reflects; an analysis of an earlier verdict no longer applies. */
function verdictOf(result: ResourceResult, fingerprint: string) {
  return {
    resourceStatus: result.status as "Drifted" | "Missing",
    severity: severityOf(result),
    fingerprint,
    changes: result.changes,
    ignored: result.ignored,
    analysis: null,
  };
}

function historyEntry(at: string, event: DriftEventType, result: ResourceResult, fingerprint: string) {
  return {
    at,
    event,
    fingerprint,
    severity: severityOf(result),
    paths: result.changes.map((c) => c.path),
    by: changeAuthors(result.changes),
  };
}

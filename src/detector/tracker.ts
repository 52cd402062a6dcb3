// The tracker turns verdicts into DriftRecord transitions (opened → updated → resolved) and announces each exactly
// once. The store is the truth: open records are loaded at start and on becoming leader, and every transition is a
// compare-and-set there. When the store is away the tracker carries on in memory and retries the writes; a record the
// store refuses (its own fault, not the store's) is reported and retried on its own, never holding up the others.
import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import { driftFingerprint } from "../analysis/fingerprint.js";
import type { Analysis } from "../analysis/types.js";
import type { ResourceResult, Severity } from "../drift/types.js";
import type { ChangedBy } from "../identity/types.js";
import { errorMessage } from "../lib/errors.js";
import { isRefusal } from "../store/database.js";
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
  /** Called on each failed write: the store refused the record, or could not be reached. */
  onWriteFailure?: (reason: WriteFailure) => void;
  /** When a drift that keeps reopening counts as a loop. */
  recurrence?: RecurrenceOptions;
  /** DRIFT_IDENTITY: who made a verdict's changes (undefined: identity is off). */
  changedBy?: (result: ResourceResult) => Promise<ChangedBy | undefined>;
  /** Which of the cluster's open records are this tracker's (several shards of one cluster): default all. */
  scope?: (record: DriftRecord) => boolean;
}

export type WriteFailure = "refused" | "unavailable";

/** A record write not yet in the store. */
interface PendingWrite {
  rec: DriftRecord;
  /** When the oldest transition of this record not yet stored happened (ms): the store's lag. */
  since: number;
  /** Refusals so far, and when to try again after the last (ms). */
  refusals: number;
  retryAt: number;
}

// Retry delays double from the first to the last: a store that is away is probed again within ten seconds; a
// record it refused (which may well be refused again) is tried at most every five minutes.
const RETRY_FIRST_MS = 1000;
const UNAVAILABLE_RETRY_MAX_MS = 10_000;
const REFUSED_RETRY_MAX_MS = 300_000;

const backoff = (failures: number, maxMs: number) => Math.min(RETRY_FIRST_MS * 2 ** Math.max(failures - 1, 0), maxMs);

export class Tracker {
  private readonly open = new Map<string, DriftRecord>();
  /** Records whose last write failed or was not attempted (store away), by id: written again by flush(). */
  private readonly pending = new Map<string, PendingWrite>();
  private storeAvailable = true;
  /** Consecutive failed attempts to reach the store, and when to try again (ms). */
  private unavailableFailures = 0;
  private probeAt = 0;
  private flushing?: Promise<void>;
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

  /** How long the oldest write not yet in the store has waited (ms); 0 when the store has everything. */
  get storeLagMs(): number {
    let oldest = Number.POSITIVE_INFINITY;
    for (const p of this.pending.values()) oldest = Math.min(oldest, p.since);
    return this.pending.size ? Math.max(0, this.now().getTime() - oldest) : 0;
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
      for (const r of records) if (this.opts.scope?.(r) ?? true) this.open.set(r.key, r);
      // Writes still pending are newer than what the store had.
      for (const { rec: r } of this.pending.values()) {
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

  /**
   * Marks (with the reason) or unmarks (undefined) the open record of `key` as held by a source error: no transition,
   * nothing announced, the record keeps its id, history and snoozes. Written compare-and-set, retried like the rest.
   */
  async setSourceError(key: string, error: string | undefined): Promise<void> {
    const existing = this.open.get(key);
    if (!existing || existing.sourceError === error) return;
    const next: DriftRecord =
      error === undefined ? withoutSourceError(existing) : { ...withoutSourceError(existing), sourceError: error };
    const store = this.opts.store;
    if (store && this.storeAvailable && !this.pending.has(existing.id)) {
      try {
        if (!(await store.transition(next, existing.fingerprint))) return; // moved elsewhere: theirs is newer
        this.setStoreAvailable(true);
      } catch (err) {
        this.writeFailed(err, next, "mark drift record");
      }
    } else if (store) {
      this.queue(next);
    }
    this.apply(next);
  }

  /** Resolves the record of an object that is no longer desired. */
  async forget(key: string): Promise<DriftEvent | undefined> {
    const existing = this.open.get(key);
    return existing ? this.resolve(existing) : undefined;
  }

  /**
   * Stores an analysis on a record while it still has the verdict analysed (a record updated or resolved meanwhile
   * keeps its newer state; the analysis no longer applies). Compare-and-set, retried with the pending writes.
   */
  async attachAnalysis(record: DriftRecord, analysis: Analysis): Promise<void> {
    record.analysis = analysis;
    const current = this.open.get(record.key);
    if (current?.id !== record.id || current.fingerprint !== record.fingerprint) return;
    current.analysis = analysis;
    const store = this.opts.store;
    if (!store) return;
    if (this.pending.has(current.id) || !this.storeAvailable) {
      this.queue(current);
      return;
    }
    try {
      await store.transition(current, current.fingerprint);
      this.setStoreAvailable(true);
    } catch (err) {
      this.writeFailed(err, current, "store analysis");
    }
  }

  /**
   * Retries the pending writes that are due (all of them with `force`, as at shutdown). Each record on its own: one
   * the store refuses is reported and waits for its next attempt while the others are written; a store that cannot
   * be reached ends the round.
   */
  async flush(opts: { force?: boolean } = {}): Promise<void> {
    // One round at a time (the background retry and the shutdown's).
    while (this.flushing) await this.flushing;
    this.flushing = this.flushRound(opts.force ?? false).finally(() => {
      this.flushing = undefined;
    });
    await this.flushing;
  }

  private async flushRound(force: boolean): Promise<void> {
    const store = this.opts.store;
    if (!store) return;
    const now = this.now().getTime();
    if (!force && !this.storeAvailable && now < this.probeAt) return;
    if (this.pending.size === 0) {
      if (!this.storeAvailable) await this.load(); // nothing to write: probe by reading
      return;
    }
    for (const [id, p] of [...this.pending]) {
      if (!force && p.refusals > 0 && now < p.retryAt) continue;
      try {
        await store.save(p.rec);
        if (this.pending.get(id)?.rec === p.rec) this.pending.delete(id); // else a newer version waits its turn
        this.setStoreAvailable(true);
      } catch (err) {
        if (!this.writeFailed(err, p.rec, "retry drift record write")) return;
      }
    }
  }

  /** Flushes everything it can, then says which records the store never got (the process is about to end). */
  async close(): Promise<void> {
    await this.flush({ force: true });
    if (this.pending.size === 0) return;
    this.opts.logger.error(
      {
        cluster: this.opts.cluster,
        driftIds: [...this.pending.keys()],
        resources: [...this.pending.values()].map((p) => p.rec.key),
      },
      `${this.pending.size} drift record write(s) not stored; the next leader finds these drifts again as new records`,
    );
  }

  private async openNew(key: string, result: ResourceResult, fingerprint: string): Promise<DriftEvent | undefined> {
    const now = this.now();
    const at = now.toISOString();
    const recurrence = this.recurrence.reopening(key, fingerprint, now);
    const who = await this.changedBy(result);
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
      history: [{ ...historyEntry(at, "opened", result, fingerprint), ...who }],
      ...who,
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
        this.writeFailed(err, rec, "open drift record");
      }
    } else if (store) {
      this.queue(rec);
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
    const who = await this.changedBy(result);
    const next: DriftRecord = {
      ...withoutSourceError(existing),
      source: result.source,
      ...verdictOf(result, fingerprint),
      updatedAt: at,
      history: [...existing.history, { ...historyEntry(at, "updated", result, fingerprint), ...who }],
      ...who,
    };
    return this.transition(existing, next, "updated");
  }

  private async resolve(existing: DriftRecord): Promise<DriftEvent | undefined> {
    const at = this.now().toISOString();
    const next: DriftRecord = {
      ...withoutSourceError(existing),
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
        this.writeFailed(err, next, `${event} drift record`);
      }
    } else if (store) {
      this.queue(next);
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

  /** The record fields of DRIFT_IDENTITY: none when it is off. */
  private async changedBy(result: ResourceResult): Promise<{ changedBy?: ChangedBy }> {
    const changedBy = await this.opts.changedBy?.(result);
    return changedBy ? { changedBy } : {};
  }

  private apply(rec: DriftRecord): void {
    if (rec.status === "open") this.open.set(rec.key, rec);
    else if (this.open.get(rec.key)?.id === rec.id) {
      this.open.delete(rec.key);
      this.recurrence.noteResolved(rec, this.now());
    }
  }

  /** Keeps `rec` for a later write, replacing an older version of it (whose wait counts for the lag). */
  private queue(rec: DriftRecord, refused = false): PendingWrite {
    const before = this.pending.get(rec.id);
    const refusals = refused ? (before?.refusals ?? 0) + 1 : (before?.refusals ?? 0);
    const p: PendingWrite = {
      rec,
      since: before?.since ?? this.now().getTime(),
      refusals,
      retryAt: refused ? this.now().getTime() + backoff(refusals, REFUSED_RETRY_MAX_MS) : (before?.retryAt ?? 0),
    };
    this.pending.set(rec.id, p);
    return p;
  }

  /** Keeps the failed write for later; true when the store itself is fine (only this record was refused). */
  private writeFailed(err: unknown, rec: DriftRecord, what: string): boolean {
    if (isRefusal(err)) {
      const p = this.queue(rec, true);
      this.opts.onWriteFailure?.("refused");
      // Once per record (and again only if it keeps being refused for long): the rest goes on.
      if (p.refusals === 1 || p.refusals % 10 === 0) {
        this.opts.logger.error(
          { err: errorMessage(err), cluster: this.opts.cluster, driftId: rec.id, resource: rec.key },
          `store refused drift record (${what}); kept in memory, retried in ${backoff(p.refusals, REFUSED_RETRY_MAX_MS) / 1000}s`,
        );
      }
      return true;
    }
    this.queue(rec);
    this.opts.onWriteFailure?.("unavailable");
    this.storeFailed(err, what);
    return false;
  }

  private storeFailed(err: unknown, what: string): void {
    this.unavailableFailures++;
    this.probeAt = this.now().getTime() + backoff(this.unavailableFailures, UNAVAILABLE_RETRY_MAX_MS);
    if (this.storeAvailable) {
      this.opts.logger.warn(
        { err: errorMessage(err), cluster: this.opts.cluster },
        `store unavailable (${what}); continuing in memory`,
      );
    }
    this.setStoreAvailable(false);
  }

  private setStoreAvailable(available: boolean): void {
    if (available) this.unavailableFailures = 0;
    if (available === this.storeAvailable) return;
    this.storeAvailable = available;
    if (available) this.opts.logger.info({ cluster: this.opts.cluster }, "store available again");
    this.opts.onStoreAvailability?.(available);
  }
}

/** A new verdict means the document was read: a source error no longer holds the record. */
function withoutSourceError(rec: DriftRecord): DriftRecord {
  const { sourceError: _, ...rest } = rec;
  return rest;
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

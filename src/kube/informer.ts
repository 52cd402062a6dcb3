// List + watch of one resource collection (one kind in one namespace, or cluster-wide), keeping only the
// objects the caller wants. Resumes watches from the last resourceVersion, relists on 410 Gone, backs off while
// the apiserver is away, and reports only changes that can alter a verdict (see relevance.ts).
import type { Logger } from "pino";
import type { KubeObject } from "../drift/types.js";
import type { Semaphore } from "../lib/concurrency.js";
import { errorMessage } from "../lib/errors.js";
import { sleep } from "../lib/sleep.js";
import type { KubeClient } from "./client.js";
import { type ResourceInfo, resourcePath } from "./discovery.js";
import { listPages } from "./objects.js";
import { relevanceDigest } from "./relevance.js";
import { WatchExpiredError, watchOnce } from "./watch.js";

export interface InformerOptions {
  client: KubeClient;
  info: ResourceInfo;
  namespace?: string;
  /** Names to keep; undefined keeps every object (HPAs). A single name becomes a field selector. */
  names?: ReadonlySet<string>;
  logger: Logger;
  /**
   * A kept object appeared, changed relevantly, or (obj undefined) disappeared. `initial`: found by the first list,
   * which a first detection reads anyway.
   */
  onChange: (obj: KubeObject | undefined, name: string, initial: boolean) => void;
  /** The cache became (in)consistent with the apiserver: lists done and watch open, or connection lost. */
  onSyncChange?: (synced: boolean) => void;
  /** Server-side watch timeout; each watch is renewed after it (one request per watch per period at rest). */
  watchTimeoutSeconds?: number;
  maxBackoffMs?: number;
  /** Shared by the informers of a view: how many of them list at once. */
  listSlots?: Semaphore;
}

export interface InformerStats {
  lists: number;
  watches: number;
  relists410: number;
  /** Relists the watchdog asked for (a silent watch) and restarts of a loop that had failed. */
  restarts: number;
  eventsReceived: number;
  eventsDropped: number;
}

// The cache view kept as its JSON text: a ConfigMap's ~1.5 KB of text is ~2.7 KB as objects, and the cache holds
// every watched object for the life of the process, while a detection reads each one rarely (parsing it then).
interface Entry {
  json: string;
  /** relevanceDigest of the object, computed when an update needs it (most listed objects never change). */
  digest?: string;
}

export class Informer {
  private readonly objects = new Map<string, Entry>();
  readonly stats: InformerStats = {
    lists: 0,
    watches: 0,
    relists410: 0,
    restarts: 0,
    eventsReceived: 0,
    eventsDropped: 0,
  };
  private synced = false;
  private controller = new AbortController();
  private running: Promise<void> | undefined;
  private names: ReadonlySet<string> | undefined;
  private restartRequested = false;
  private watchAbort: AbortController | undefined;
  /** When the last list ended or the watch last opened or brought an event (a bookmark included). */
  private lastActivity = Date.now();
  /** Why the loop ended without stop() (a bug in a callback): the watchdog restarts it. */
  private failure: string | undefined;
  private firstSync: { promise: Promise<void>; resolve: () => void };
  private listed = false;

  constructor(private readonly opts: InformerOptions) {
    this.names = opts.names;
    let resolve!: () => void;
    this.firstSync = { promise: new Promise<void>((r) => (resolve = r)), resolve };
  }

  get isSynced(): boolean {
    return this.synced;
  }

  /** Objects kept. */
  get size(): number {
    return this.objects.size;
  }

  /** A kept object (a copy of its own: the caller may change it), or undefined. */
  get(name: string): KubeObject | undefined {
    const entry = this.objects.get(name);
    return entry && (JSON.parse(entry.json) as KubeObject);
  }

  /** Every kept object (copies). */
  values(): KubeObject[] {
    return [...this.objects.values()].map((e) => JSON.parse(e.json) as KubeObject);
  }

  /** Resolves once the first list completed (or never, while the apiserver is away). */
  whenSynced(): Promise<void> {
    return this.firstSync.promise;
  }

  start(): void {
    this.running ??= this.loop().catch((err) => {
      this.failure = errorMessage(err);
      try {
        this.setSynced(false);
      } catch {
        // the callback that ended the loop may throw again: the watchdog's restart reports the state
      }
    });
  }

  /** Why the loop ended on its own, if it did. */
  get failed(): string | undefined {
    return this.failure;
  }

  /** Starts a loop that failed again, from a fresh list. */
  restart(): void {
    if (this.failure === undefined || this.controller.signal.aborted) return;
    this.failure = undefined;
    this.running = undefined;
    this.stats.restarts++;
    this.restartRequested = true;
    this.start();
  }

  /** Milliseconds since the last list ended or the watch last opened or brought an event. */
  silentForMs(now = Date.now()): number {
    return now - this.lastActivity;
  }

  /** Drops the current watch and lists again (a watch that went silent); out of sync until the list is done. */
  relist(): void {
    this.stats.restarts++;
    this.restartRequested = true;
    this.setSynced(false);
    this.watchAbort?.abort();
  }

  async stop(): Promise<void> {
    this.controller.abort();
    await this.running;
  }

  /**
   * Changes which names are kept. Dropped names leave the cache at once; new names need a list (we never kept
   * them), so the watch restarts with a relist.
   */
  setNames(names: ReadonlySet<string> | undefined): void {
    const before = this.names;
    this.names = names;
    for (const name of this.objects.keys()) if (!this.keeps(name)) this.objects.delete(name);
    const added = names === undefined ? before !== undefined : [...names].some((n) => !before?.has(n));
    if (added || this.fieldSelector(before) !== this.fieldSelector(names)) {
      this.restartRequested = true;
      this.watchAbort?.abort();
    }
  }

  private keeps(name: string): boolean {
    return !this.names || this.names.has(name);
  }

  private fieldSelector(names: ReadonlySet<string> | undefined): string | undefined {
    return names && names.size === 1 ? `metadata.name=${[...names][0]}` : undefined;
  }

  private setSynced(synced: boolean): void {
    if (synced === this.synced) return;
    this.synced = synced;
    if (synced) this.firstSync.resolve();
    this.opts.onSyncChange?.(synced);
  }

  private get what(): string {
    return `${this.opts.info.kind}${this.opts.namespace ? ` in ${this.opts.namespace}` : ""}`;
  }

  private async loop(): Promise<void> {
    const signal = this.controller.signal;
    let rv: string | undefined;
    let backoff = 500;
    let outage = false;
    const max = this.opts.maxBackoffMs ?? 30_000;
    while (!signal.aborted) {
      try {
        if (this.restartRequested) {
          this.restartRequested = false;
          rv = undefined;
        }
        if (!rv) rv = await this.list();
        if (signal.aborted) break; // stopped during the list: an abort listener added now would never fire
        // One controller per watch, aborted by stop() or setNames(); no AbortSignal.any (its dependents pile up).
        const watchAbort = new AbortController();
        this.watchAbort = watchAbort;
        const onStop = () => watchAbort.abort();
        signal.addEventListener("abort", onStop, { once: true });
        const watchSignal = watchAbort.signal;
        this.stats.watches++;
        const timeout = this.opts.watchTimeoutSeconds ?? 300 + Math.floor(Math.random() * 300);
        await watchOnce(
          this.opts.client.kubeConfig,
          resourcePath(this.opts.info, this.opts.namespace),
          {
            resourceVersion: rv,
            fieldSelector: this.fieldSelector(this.names),
            timeoutSeconds: timeout,
            signal: watchSignal,
            onOpen: () => {
              this.lastActivity = Date.now();
              backoff = 500;
              if (outage) this.opts.logger.info({ watch: this.what }, "watch restored");
              outage = false;
              this.setSynced(true);
            },
          },
          (ev) => {
            const next = this.apply(ev);
            if (next) rv = next;
          },
        ).finally(() => signal.removeEventListener("abort", onStop));
      } catch (err) {
        if (signal.aborted) break;
        if (err instanceof WatchExpiredError) {
          // History compacted past our resourceVersion: relist and report what changed meanwhile.
          this.stats.relists410++;
          this.opts.logger.info({ watch: this.what }, "watch expired (410 Gone); relisting");
          rv = undefined;
          continue;
        }
        this.setSynced(false);
        if (!outage) this.opts.logger.warn({ watch: this.what, err: errorMessage(err) }, "watch failed; retrying");
        outage = true;
        await sleep(backoff, signal);
        backoff = Math.min(backoff * 2, max);
      }
    }
  }

  /**
   * Lists the collection (waiting for a slot), reports differences with the cache page by page, and returns the
   * list's resourceVersion.
   */
  private async list(): Promise<string> {
    const slots = this.opts.listSlots;
    const resourceVersion = slots
      ? await slots.run(() => this.listNow(), this.controller.signal)
      : await this.listNow();
    this.listed = true;
    this.lastActivity = Date.now();
    this.setSynced(true);
    return resourceVersion;
  }

  private async listNow(): Promise<string> {
    this.stats.lists++;
    const seen = new Set<string>();
    const resourceVersion = await listPages(
      this.opts.client,
      this.opts.info,
      { namespace: this.opts.namespace, fieldSelector: this.fieldSelector(this.names) },
      (items) => {
        for (const obj of items) {
          const name = obj.metadata.name;
          if (!this.keeps(name)) continue;
          seen.add(name);
          this.upsert(obj);
        }
      },
    );
    for (const name of [...this.objects.keys()]) {
      if (!seen.has(name)) {
        this.objects.delete(name);
        this.opts.onChange(undefined, name, !this.listed);
      }
    }
    return resourceVersion;
  }

  private upsert(obj: KubeObject): void {
    const name = obj.metadata.name;
    const view = cacheView(obj);
    const json = JSON.stringify(view);
    const before = this.objects.get(name);
    if (!before) {
      this.objects.set(name, { json });
      this.opts.onChange(view, name, !this.listed);
      return;
    }
    if (before.json === json) {
      this.stats.eventsDropped++;
      return;
    }
    // Digests of what the cache keeps on both sides: what it drops (status, status writers) cannot change a verdict.
    before.digest ??= relevanceDigest(JSON.parse(before.json) as KubeObject);
    const digest = relevanceDigest(view);
    this.objects.set(name, { json, digest });
    if (before.digest === digest) this.stats.eventsDropped++;
    else this.opts.onChange(view, name, !this.listed);
  }

  /** Applies one watch event; returns its resourceVersion. */
  private apply(ev: { type: string; object: KubeObject }): string | undefined {
    this.stats.eventsReceived++;
    this.lastActivity = Date.now();
    const rv = ev.object?.metadata?.resourceVersion;
    if (ev.type === "BOOKMARK") return rv;
    const name = ev.object.metadata.name;
    if (!this.keeps(name)) {
      this.stats.eventsDropped++;
      return rv;
    }
    if (ev.type === "DELETED") {
      if (this.objects.delete(name)) this.opts.onChange(undefined, name, false);
    } else {
      this.upsert(ev.object);
    }
    return rv;
  }
}

const LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration";

/**
 * What the cache keeps of an object: all but `status` (never compared, and the biggest part of many objects),
 * kubectl's last-applied annotation (a second copy of the object, skipped by the engine) and the managedFields
 * entries of status writes that own nothing but status (a controller's, renewed with every status update). The
 * other managedFields entries stay: they name who changed what, and an object with none is "untracked".
 */
export function cacheView(obj: KubeObject): KubeObject {
  const { status: _status, ...rest } = obj;
  const annotations = obj.metadata.annotations;
  const managedFields = withoutStatusWriters(obj.metadata.managedFields);
  const lastApplied = annotations !== undefined && LAST_APPLIED in annotations;
  if (!lastApplied && managedFields === obj.metadata.managedFields) return rest as KubeObject;
  const metadata = { ...obj.metadata, ...(managedFields ? { managedFields } : {}) };
  if (lastApplied) {
    const { [LAST_APPLIED]: _lastApplied, ...kept } = annotations;
    metadata.annotations = kept;
  }
  return { ...rest, metadata } as KubeObject;
}

type ManagedFields = KubeObject["metadata"]["managedFields"];

function withoutStatusWriters(entries: ManagedFields): ManagedFields {
  if (!entries?.some(ownsOnlyStatus)) return entries;
  const kept = entries.filter((e) => !ownsOnlyStatus(e));
  return kept.length > 0 ? kept : entries;
}

function ownsOnlyStatus(entry: NonNullable<ManagedFields>[number]): boolean {
  if (entry.subresource !== "status") return false;
  const fields = entry.fieldsV1 as Record<string, unknown> | undefined;
  return fields !== undefined && Object.keys(fields).every((k) => k === "f:status");
}

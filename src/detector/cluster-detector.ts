// The detection loop for one cluster and its desired-state source: a full detection when it starts leading, then
// per-object detections driven by the live view's watch events (debounced, deduplicated), a full resync every
// interval, and a new full detection whenever the desired state changes.
import type { Logger } from "pino";
import type { Liveness, Readiness } from "../app/health.js";
import type { DesiredSnapshot, DesiredSource } from "../desired/source.js";
import { MemoryBaselines } from "../detection/baselines.js";
import { type DetectOptions, detect } from "../detection/detect.js";
import type { LiveReader } from "../detection/live.js";
import { type ModeSetting, resolveMode } from "../detection/mode.js";
import type { ComparisonMode, DesiredObject, KubeObject, ObjectRef, ResourceResult } from "../drift/types.js";
import type { Cluster } from "../kube/cluster.js";
import { CrdSchemas } from "../kube/crd-schemas.js";
import { Discovery } from "../kube/discovery.js";
import { DryRunCache } from "../kube/dryrun-cache.js";
import { LiveView, objectKey } from "../kube/liveview.js";
import { getObject, listObjects } from "../kube/objects.js";
import { PublishedSchemas } from "../kube/openapi-schemas.js";
import { WatchWatchdog } from "../kube/watchdog.js";
import { errorMessage } from "../lib/errors.js";
import { sleep } from "../lib/sleep.js";
import { patchTargets } from "../rbac/rules.js";
import { rbacTargets } from "../rbac/targets.js";
import type { Announcer } from "./announcer.js";
import type { StoredBaselines } from "./baseline-store.js";
import { DesiredWatch } from "./desired-watch.js";
import type { DriftMetrics } from "./metrics.js";
import type { DriftEvent } from "./records.js";
import { SourceErrorReport, sourceErrorFor, sourceLocation } from "./source-errors.js";
import type { Tracker } from "./tracker.js";
import { WorkQueue } from "./work-queue.js";

export interface ClusterDetectorOptions {
  /** Name of the cluster in records, logs and the lease (the kubeconfig context). */
  name: string;
  cluster: Cluster;
  source: DesiredSource;
  mode: ModeSetting;
  intervalMs: number;
  sourcePollMs: number;
  debounceMs?: number;
  tracker: Tracker;
  announcer: Announcer;
  metrics: DriftMetrics;
  readiness: Readiness;
  /** The loop beats here while leading; it is hung when a beat is later than the resync interval plus `stallMs`. */
  liveness?: Liveness;
  stallMs?: number;
  /** A watch in sync that heard nothing for this long is relisted (see kube/watchdog.ts). */
  watchSilenceMs?: number;
  logger: Logger;
  engine?: DetectOptions["engine"];
  /** Requests in flight at once in a detection (server-mode dry-runs, reads); default 16. */
  concurrency?: number;
  /** Called before each full detection (the service re-reads its configuration file there). */
  beforeFull?: () => Promise<void>;
  /** Frees a full detection's garbage (it pauses the process): after the first one before the cluster is ready,
   * after the others once the loop has been quiet for a moment. */
  releaseMemory?: () => Promise<void>;
  /** Called after verdicts changed (gauges over every cluster). */
  onResults?: () => void;
  watchTimeoutSeconds?: number;
  /** Unowned values at each object's last observation; kept in memory when not given (none survive a restart). */
  baselines?: StoredBaselines;
}

const RETRY_MS = 5000;
/** Without a change this long after a full detection, the service frees that detection's garbage. */
const RELEASE_QUIET_MS = 2000;
const DEFAULT_STALL_MS = 10 * 60_000;
const DEFAULT_WATCH_SILENCE_MS = 3 * 60_000;

export class ClusterDetector {
  /** The latest verdict per desired object (and per unreadable document). */
  readonly results = new Map<string, ResourceResult>();
  readonly liveView: LiveView;
  readonly discovery: Discovery;
  readonly queue: WorkQueue;
  private readonly dryRuns = new DryRunCache<KubeObject | null>();
  private readonly baselines: MemoryBaselines;
  private baselinesFailing = false;
  /** The baselines' write in progress, and whether entries changed since it began. */
  private baselineWrite: Promise<void> | undefined;
  private baselinesDirty = false;
  /** Custom resources' schemas (client-mode defaults): one GET per CRD, read again at every full detection. */
  readonly crdSchemas: CrdSchemas;
  private readonly publishedSchemas: PublishedSchemas;
  private readonly desiredWatch: DesiredWatch;
  private readonly watchdog: WatchWatchdog;
  private readonly sourceErrors: SourceErrorReport;
  private desired: DesiredSnapshot | undefined;
  private desiredByKey = new Map<string, DesiredObject>();
  /** The live view catching up with the latest desired state (new watches listing). */
  private settingDesired: Promise<void> = Promise.resolve();
  private mode: ComparisonMode | undefined;
  private fullDue = true;
  private nextFullAt = 0;
  private firstFullDone = false;
  private releaseDue = false;
  private loop: Promise<void> | undefined;
  private controller: AbortController | undefined;
  private apiserverReachable = true;
  private keepAlive: NodeJS.Timeout | undefined;
  /** Detections completed, for tests and benchmarks. */
  readonly stats = { full: 0, object: 0, objectsDetected: 0, lastFullMs: 0 };

  constructor(private readonly opts: ClusterDetectorOptions) {
    this.baselines = opts.baselines ?? new MemoryBaselines();
    this.discovery = new Discovery(opts.cluster.client);
    this.crdSchemas = new CrdSchemas(opts.cluster.client);
    this.publishedSchemas = new PublishedSchemas(opts.cluster.client);
    this.queue = new WorkQueue(opts.debounceMs ?? 200);
    this.sourceErrors = new SourceErrorReport(opts.name, opts.logger, opts.metrics);
    this.liveView = new LiveView({
      client: opts.cluster.client,
      discovery: this.discovery,
      logger: opts.logger,
      defaultNamespace: this.defaultNamespace,
      watchTimeoutSeconds: opts.watchTimeoutSeconds,
      onChange: (key, _ref, initial) => {
        // What a first list finds, the first full detection reads anyway; a change after that list may come after
        // the detection read its object, so it is queued.
        if (initial && !this.firstFullDone) return;
        this.opts.metrics.watchEvents.inc({ outcome: "queued" });
        this.queue.add(key);
      },
      onSyncChange: () => this.updateReadiness(),
    });
    this.watchdog = new WatchWatchdog({
      silenceMs: opts.watchSilenceMs ?? DEFAULT_WATCH_SILENCE_MS,
      watches: () => this.liveView.watches(),
      logger: opts.logger,
      onRestart: (reason) => opts.metrics.watchRestarts.inc({ cluster: opts.name, reason }),
    });
    this.desiredWatch = new DesiredWatch({
      source: opts.source,
      logger: opts.logger,
      pollMs: opts.sourcePollMs,
      onChange: (snapshot) => {
        this.settingDesired = this.settingDesired.then(() => this.desiredChanged(snapshot));
      },
      onAvailability: (ok) => opts.metrics.sourceAvailable.set({ cluster: opts.name }, ok ? 1 : 0),
    });
    opts.metrics.sourceAvailable.set({ cluster: opts.name }, 1);
    this.opts.readiness.set(this.condition, false, "not started");
  }

  get name(): string {
    return this.opts.name;
  }

  get running(): boolean {
    return this.loop !== undefined;
  }

  private get condition(): string {
    return `cluster ${this.opts.name}`;
  }

  private get defaultNamespace(): string {
    return this.opts.cluster.namespace ?? "default";
  }

  /** Begins detecting (on becoming leader). */
  start(): void {
    if (this.loop) return;
    this.controller = new AbortController();
    this.firstFullDone = false;
    this.fullDue = true;
    this.updateReadiness();
    this.watchLiveness();
    this.watchdog.start();
    this.loop = this.run(this.controller.signal).catch((err) => {
      this.opts.logger.error({ err: errorMessage(err) }, "detection loop failed");
    });
  }

  /** Stops detecting (lost leadership, shutdown): watches end, the current detection is abandoned. */
  async stop(): Promise<void> {
    clearInterval(this.keepAlive);
    this.opts.liveness?.forget(this.condition);
    this.watchdog.stop();
    this.controller?.abort();
    this.queue.wake();
    this.desiredWatch.stop();
    await this.liveView.stop();
    await this.loop;
    await this.baselineWrite;
    this.loop = undefined;
    this.queue.clear();
  }

  /**
   * Heartbeats: each turn of the loop, and while the live view is out of sync (waiting for an apiserver that is away
   * is not a hang; a restart would not bring it back). A detection that never ends stops them.
   */
  private watchLiveness(): void {
    const liveness = this.opts.liveness;
    if (!liveness) return;
    const boundMs = this.opts.intervalMs + (this.opts.stallMs ?? DEFAULT_STALL_MS);
    liveness.expect(this.condition, boundMs);
    clearInterval(this.keepAlive);
    this.keepAlive = setInterval(
      () => {
        if (!this.liveView.isSynced || !this.desired) liveness.beat(this.condition);
      },
      Math.min(boundMs / 4, 5000),
    );
    this.keepAlive.unref();
  }

  /** Standby (a follower): ready to serve the API, not detecting. */
  standby(): void {
    if (this.apiserverReachable) this.opts.readiness.set(this.condition, true, "standby");
    else this.opts.readiness.set(this.condition, false, "standby: apiserver unreachable");
  }

  /** What the lease attempts say of the apiserver: a follower that cannot reach it is not ready. */
  setApiserverReachable(reachable: boolean): void {
    this.apiserverReachable = reachable;
    if (!this.loop) this.standby();
  }

  private updateReadiness(): void {
    if (!this.loop && !this.controller) return;
    if (!this.firstFullDone) this.opts.readiness.set(this.condition, false, "first full detection pending");
    else if (!this.liveView.isSynced) this.opts.readiness.set(this.condition, false, "watch caches out of sync");
    else this.opts.readiness.set(this.condition, true);
  }

  private async run(signal: AbortSignal): Promise<void> {
    await this.opts.tracker.load();
    await this.opts.baselines?.load().catch((err) => {
      this.opts.logger.warn(
        { err: errorMessage(err) },
        "cannot read the baselines: known defaults decide until next seen",
      );
    });
    const known = this.desired;
    if (known) this.settingDesired = this.settingDesired.then(() => this.desiredChanged(known)); // watches restart
    while (!this.desired && !signal.aborted) {
      const snapshot = await this.desiredWatch.load();
      if (snapshot) break;
      await sleep(RETRY_MS, signal);
    }
    if (signal.aborted) return; // stop() already stopped the desired watch: do not start it again
    // `auto` asks for patch on the kinds of the units, so the desired state comes first.
    const objects = this.desired?.objects ?? [];
    const kinds = async () => patchTargets((await rbacTargets(objects, this.discovery, this.defaultNamespace)).targets);
    this.mode = (await resolveMode(this.opts.cluster, this.opts.mode, kinds)).mode;
    this.opts.logger.info({ mode: this.mode, source: this.opts.source.description }, "detecting");
    this.desiredWatch.start();
    while (!signal.aborted) {
      this.opts.liveness?.beat(this.condition);
      try {
        if (this.fullDue || Date.now() >= this.nextFullAt) {
          // Not waiting for every watch to list: the detection reads each collection as soon as it is listed.
          await this.settingDesired;
          if (signal.aborted) break;
          await this.fullDetection(signal);
          continue;
        }
        const keys = this.queue.takeDue();
        if (keys.length > 0) {
          await this.objectDetection(keys, signal);
          continue;
        }
        const untilFull = Math.max(0, this.nextFullAt - Date.now());
        if (this.releaseDue && untilFull > RELEASE_QUIET_MS) {
          // The collection pauses the process: not while changes are arriving.
          const since = Date.now();
          await this.idle(RELEASE_QUIET_MS, signal);
          if (this.queue.size === 0 && Date.now() - since >= RELEASE_QUIET_MS) {
            this.releaseDue = false;
            await this.opts.releaseMemory?.();
          }
          continue;
        }
        await this.idle(untilFull, signal);
      } catch (err) {
        if (signal.aborted) break;
        this.opts.logger.warn({ err: errorMessage(err) }, "detection failed; retrying");
        await sleep(RETRY_MS, signal);
      }
    }
  }

  /** Waits for queued work, the next resync or shutdown, whichever comes first (and leaves no listener behind). */
  private idle(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener("abort", done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener("abort", done, { once: true });
      if (signal.aborted) done();
      void this.queue.wait().then(done);
    });
  }

  private async desiredChanged(snapshot: DesiredSnapshot): Promise<void> {
    const first = this.desired === undefined;
    try {
      await this.liveView.setDesired(snapshot.objects);
    } catch (err) {
      this.opts.logger.warn({ err: errorMessage(err) }, "cannot watch the desired objects yet");
    }
    this.desired = snapshot;
    this.desiredByKey = new Map(snapshot.objects.map((d) => [this.liveView.keyFor(d.ref), d]));
    this.dryRuns.retainObjects(snapshot.objects.map((d) => d.ref));
    if (!first) this.opts.logger.info({ version: snapshot.version }, "desired state changed");
    this.fullDue = true;
    this.queue.wake();
  }

  /** The live view, each collection once it is listed; the apiserver for what the view does not hold. */
  private liveReader(signal: AbortSignal): LiveReader {
    const { client } = this.opts.cluster;
    const listed = async (ref: ObjectRef) => {
      await this.liveView.whenListed(ref, signal);
      signal.throwIfAborted(); // an abandoned detection must not fall back to reading everything from the apiserver
    };
    return {
      get: async (info, namespace, name) => {
        const ref = { apiVersion: info.apiVersion, kind: info.kind, namespace, name };
        await listed(ref);
        const cached = this.liveView.get(ref);
        if (cached !== undefined) return cached ?? undefined;
        return getObject(client, info, namespace, name);
      },
      list: async (info, namespace) => {
        if (namespace) await listed({ apiVersion: info.apiVersion, kind: info.kind, namespace, name: "" });
        return (
          (namespace ? this.liveView.hpas(namespace) : undefined) ??
          (await listObjects(client, info, { namespace })).items
        );
      },
    };
  }

  private detectOptions(signal: AbortSignal): DetectOptions {
    return {
      mode: this.mode ?? "client",
      namespace: this.defaultNamespace,
      engine: this.opts.engine,
      concurrency: this.opts.concurrency,
      discovery: this.discovery,
      cache: this.dryRuns,
      live: this.liveReader(signal),
      crdSchemas: this.crdSchemas,
      publishedSchemas: this.publishedSchemas,
      baselines: this.baselines,
    };
  }

  private async fullDetection(signal: AbortSignal): Promise<void> {
    const snapshot = this.desired;
    if (!snapshot) return;
    this.fullDue = false;
    this.queue.clear(); // everything queued so far is covered
    this.crdSchemas.refresh(); // a CRD changed since the last resync is read again
    this.publishedSchemas.refresh(); // an upgraded server publishes new documents
    await this.opts.beforeFull?.();
    const started = performance.now();
    const results = await abandonable(detect(snapshot, this.opts.cluster, this.detectOptions(signal)), signal);
    if (!results) return;
    const seconds = (performance.now() - started) / 1000;
    this.opts.metrics.detectionDuration.observe({ scope: "full" }, seconds);
    this.opts.metrics.lastFullDetection.set(Date.now() / 1000);
    this.results.clear();
    const events = await this.track(results);
    this.baselines.retain(new Set(results.filter((r) => r.ref.name).map((r) => objectKey(r.ref))));
    this.saveBaselines();
    // Records of objects no longer desired (or no longer declared at all) are closed; those of documents that cannot
    // be read now are held open, marked, until they read again.
    const held = new Map<string, number>();
    for (const rec of this.opts.tracker.openRecords) {
      if (this.results.has(rec.key)) {
        if (rec.sourceError) await this.opts.tracker.setSourceError(rec.key, undefined);
        continue;
      }
      const sourceError = sourceErrorFor(rec.source, snapshot.errors);
      if (sourceError) {
        await this.opts.tracker.setSourceError(rec.key, sourceError);
        const at = sourceLocation(rec.source);
        held.set(at, (held.get(at) ?? 0) + 1);
        continue;
      }
      const ev = await this.opts.tracker.forget(rec.key);
      if (ev) events.push(ev);
    }
    this.sourceErrors.update(snapshot.errors, held);
    this.opts.announcer.announce(events);
    this.stats.full++;
    this.stats.lastFullMs = seconds * 1000;
    this.nextFullAt = Date.now() + this.opts.intervalMs;
    const first = !this.firstFullDone;
    // The start-up's garbage goes before the pod takes traffic, so that no first change waits for the pause.
    if (first) await this.opts.releaseMemory?.();
    else this.releaseDue = true;
    this.firstFullDone = true;
    this.updateReadiness();
    this.opts.onResults?.();
    if (first) {
      const counts = { resources: results.length, drifted: 0, missing: 0, errors: 0 };
      for (const r of results) {
        if (r.status === "Drifted") counts.drifted++;
        else if (r.status === "Missing") counts.missing++;
        else if (r.status === "Error") counts.errors++;
      }
      this.opts.logger.info({ ...counts, seconds }, "first full detection done");
    }
  }

  private async objectDetection(keys: string[], signal: AbortSignal): Promise<void> {
    const objects = keys.map((k) => this.desiredByKey.get(k)).filter((d): d is DesiredObject => d !== undefined);
    if (objects.length === 0) return;
    const started = performance.now();
    const snapshot: DesiredSnapshot = { objects, errors: [], version: this.desired?.version ?? "" };
    const results = await abandonable(detect(snapshot, this.opts.cluster, this.detectOptions(signal)), signal);
    if (!results) return;
    this.opts.metrics.detectionDuration.observe({ scope: "object" }, (performance.now() - started) / 1000);
    const events = await this.track(results);
    this.saveBaselines();
    this.opts.announcer.announce(events);
    this.stats.object++;
    this.stats.objectsDetected += results.length;
    this.opts.onResults?.();
  }

  /** Keeps each result as the latest and records it; returns the events the tracker made of them. */
  private async track(results: ResourceResult[]): Promise<DriftEvent[]> {
    const events: DriftEvent[] = [];
    for (const r of results) {
      const key = this.keyOf(r);
      this.results.set(key, r);
      const ev = await this.opts.tracker.record(key, r);
      if (ev) events.push(ev);
    }
    return events;
  }

  /**
   * Writes the changed baselines in the background, one write at a time: a detection does not wait for the store
   * (the first one sets an entry for every object: seconds of writes at 100,000 objects). stop() waits for it.
   */
  private saveBaselines(): void {
    if (!this.opts.baselines) return;
    this.baselinesDirty = true;
    this.baselineWrite ??= (async () => {
      while (this.baselinesDirty) {
        this.baselinesDirty = false;
        await this.writeBaselines();
      }
    })().finally(() => {
      this.baselineWrite = undefined;
      if (this.baselinesDirty) this.saveBaselines();
    });
  }

  private async writeBaselines(): Promise<void> {
    try {
      await this.opts.baselines?.flush();
      this.baselinesFailing = false;
    } catch (err) {
      if (!this.baselinesFailing)
        this.opts.logger.warn({ err: errorMessage(err) }, "cannot write the baselines: kept in memory, written later");
      this.baselinesFailing = true;
    }
  }

  private keyOf(r: ResourceResult): string {
    if (r.status === "Error" && !r.ref.name) {
      const s = r.source;
      return `error|${s.type === "file" ? `${s.path}#${s.document ?? 0}` : `${s.space}/${s.unit}`}`;
    }
    return r.ref.kind && r.ref.apiVersion ? this.liveView.keyFor(r.ref) : objectKey(r.ref);
  }
}

/** Resolves with the work's result, or undefined as soon as the signal aborts (the work is left to finish unseen). */
function abandonable<T>(work: Promise<T>, signal: AbortSignal): Promise<T | undefined> {
  if (signal.aborted) return Promise.resolve(undefined);
  return new Promise((resolve, reject) => {
    const onAbort = () => resolve(undefined);
    signal.addEventListener("abort", onAbort, { once: true });
    work.then(
      (v) => {
        signal.removeEventListener("abort", onAbort);
        resolve(signal.aborted ? undefined : v);
      },
      (err) => {
        signal.removeEventListener("abort", onAbort);
        if (signal.aborted) resolve(undefined);
        else reject(err);
      },
    );
  });
}

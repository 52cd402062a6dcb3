// One watched cluster inside `run`: its client and desired source, its tracker, announcer and detector, and the
// Lease that decides whether this replica detects and reports it (replicas share clusters; only a leader acts).
import type { Logger } from "pino";
import type { Analyzer } from "../analysis/types.js";
import type { Liveness, Readiness } from "../app/health.js";
import type { Shutdown } from "../app/shutdown.js";
import { openSource } from "../desired/open.js";
import type { DesiredSource } from "../desired/source.js";
import { Announcer } from "../detector/announcer.js";
import { StoredBaselines } from "../detector/baseline-store.js";
import { ClusterDetector } from "../detector/cluster-detector.js";
import type { ServiceEngineConfig } from "../detector/engine-config.js";
import type { DriftEventBus } from "../detector/event-bus.js";
import type { DriftMetrics } from "../detector/metrics.js";
import type { RecordStore } from "../detector/record-store.js";
import { KubeEventReporter } from "../detector/reporters/kube-event.js";
import type { WebhookNotifier } from "../detector/reporters/webhook.js";
import type { SnoozeSource } from "../detector/snooze-watch.js";
import { retryStoreWrites } from "../detector/store-writes.js";
import { Tracker } from "../detector/tracker.js";
import type { AdmissionIdentity, AdmissionIdentityOptions } from "../identity/admission.js";
import { loadCluster } from "../kube/cluster.js";
import { LeaderElector } from "../kube/leader.js";
import type { ShardCoordinator } from "../sharding/coordinator.js";
import { NamespaceSetSource, splitNamespaces } from "../sharding/namespaces.js";
import { shardLeaseName, shardOf, sourceScope } from "../sharding/shard.js";
import type { Database } from "../store/database.js";
import { releaseMemory } from "./release-memory.js";
import type { WatchedCluster } from "./remediation.js";
import type { ClusterSpec, RunSettings } from "./settings.js";

/** What every cluster of the service shares. */
export interface ClusterContext {
  settings: RunSettings;
  env: NodeJS.ProcessEnv;
  logger: Logger;
  metrics: DriftMetrics;
  readiness: Readiness;
  liveness: Liveness;
  bus: DriftEventBus;
  /** This replica's name in Leases and Events. */
  identity: string;
  shutdown: Shutdown;
  /** Every desired source opened, closed by the service at shutdown (also when a later cluster fails to start). */
  sources: DesiredSource[];
  recordStore?: RecordStore;
  /** The store itself, for what the detector keeps beside its records (baselines). */
  db?: Database;
  analyzer?: Analyzer;
  webhook?: WebhookNotifier;
  snoozes?: SnoozeSource;
  engineConfig: ServiceEngineConfig;
  /** After each detection: the service's gauges over all clusters. */
  onResults: () => void;
  tuning?: {
    debounceMs?: number;
    watchTimeoutSeconds?: number;
    leaseRetryMs?: number;
    snoozePollMs?: number;
    /** The analysis queue's backoff while no model answers (defaults 10 s doubling to 5 min). */
    analysisRetryMs?: number;
    analysisRetryMaxMs?: number;
    admission?: AdmissionIdentityOptions["tuning"];
  };
  /** Whether this replica leads any cluster (the leader gauge is one for the replica). */
  anyLeading: () => boolean;
  shuttingDown: () => boolean;
  /** DRIFT_SHARDING on: each cluster source is a shard that only its assigned replica acquires (src/sharding/). */
  sharding?: ShardCoordinator;
  /** DRIFT_IDENTITY=admission: who made each drift, learnt from the admission webhook. */
  admission?: AdmissionIdentity;
  /** Contexts watched with more than one source: each source's tracker keeps only its own records. */
  sharedContexts?: ReadonlySet<string | undefined>;
}

export interface StartedCluster {
  watched: WatchedCluster;
  announcer: Announcer;
  events: KubeEventReporter;
  /** Absent without leader election: the detector runs at once. */
  elector?: LeaderElector;
}

export async function startCluster(ctx: ClusterContext, spec: ClusterSpec): Promise<StartedCluster> {
  const { settings, env, shutdown, metrics, webhook, tuning } = ctx;
  const cluster = loadCluster({ kubeconfig: settings.kubeconfig, context: spec.context, env });
  shutdown.add(`close the client of ${cluster.contextName}`, () => cluster.client.close());
  const name = cluster.contextName;
  const scope = ctx.sharedContexts?.has(spec.context) ? sourceScope(spec.source) : undefined;
  const shard = ctx.sharding ? shardOf(name, spec.source) : undefined;
  const logger = ctx.logger.child({ cluster: name, ...(shard ? { shard: shard.key } : {}) });
  const split = splitNamespaces(spec.source);
  const opened = await openSource(split.base, { env, log: (line) => logger.info(line), db: ctx.db });
  const source = split.namespaces ? new NamespaceSetSource(opened, split.namespaces) : opened;
  ctx.sources.push(source);
  const detectorRef: { current?: ClusterDetector; elector?: LeaderElector } = {};
  const admission = ctx.admission;
  const tracker = new Tracker({
    cluster: name,
    scope,
    store: ctx.recordStore,
    logger,
    onStoreAvailability: (ok) => metrics.storeAvailable.set(ok ? 1 : 0),
    onWriteFailure: (reason) => metrics.storeWriteFailures.inc({ reason }),
    changedBy:
      admission &&
      ((result) =>
        admission.changedBy(result.ref, detectorRef.current?.liveView.get(result.ref), result.changes, Date.now())),
  });
  const holdsLease = () => detectorRef.elector?.holdsLease() ?? !settings.leaderElection;
  const events = new KubeEventReporter({
    client: cluster.client,
    instance: ctx.identity,
    logger,
    liveObject: (r) => detectorRef.current?.liveView.get(r.ref),
    burst: settings.eventBurst,
    refillMs: settings.eventRefill,
    onSuppressed: () => metrics.eventsSuppressed.inc(),
    onDropped: () => metrics.queueDropped.inc({ queue: "events" }),
  });
  const announcer = new Announcer({
    logger: ctx.logger,
    metrics,
    bus: ctx.bus,
    analyzer: ctx.analyzer,
    analysisQueue: {
      maxWaitMs: settings.analysisMaxWait,
      retryBaseMs: tuning?.analysisRetryMs,
      retryMaxMs: tuning?.analysisRetryMaxMs,
    },
    identityToModel: settings.identityToModel,
    attachAnalysis: (record, analysis) => tracker.attachAnalysis(record, analysis),
    sinks: [
      (ev) => events.post(ev),
      ...(webhook ? [(ev: Parameters<WebhookNotifier["notify"]>[0]) => webhook.notify(ev)] : []),
    ],
    snoozes: ctx.snoozes,
    openRecord: (id) => tracker.openRecords.find((r) => r.id === id),
    leading: () => detectorRef.current?.running ?? false,
    holdsLease,
    snoozePollMs: tuning?.snoozePollMs,
  });
  // One cluster watched through several sources: each source's detector (and its stored baselines) has a name.
  const detectorName = scope ? `${name}=${spec.source}` : name;
  const baselines = ctx.db ? new StoredBaselines(ctx.db, detectorName) : undefined;
  const detector = new ClusterDetector({
    name: detectorName,
    baselines,
    cluster,
    source,
    mode: settings.mode,
    intervalMs: settings.interval,
    sourcePollMs: settings.sourcePoll,
    tracker,
    announcer,
    metrics,
    readiness: ctx.readiness,
    liveness: ctx.liveness,
    stallMs: settings.detectionStallTimeout,
    watchSilenceMs: settings.watchSilenceTimeout,
    logger,
    onResults: ctx.onResults,
    engine: ctx.engineConfig.engine,
    concurrency: settings.dryRunConcurrency,
    beforeFull: () => ctx.engineConfig.reload(),
    releaseMemory,
    debounceMs: tuning?.debounceMs,
    watchTimeoutSeconds: tuning?.watchTimeoutSeconds,
  });
  detectorRef.current = detector;
  admission?.addCluster(cluster.client, () => detector.liveView.watchedScope(), logger);
  const stopRetrying = retryStoreWrites({
    cluster: name,
    tracker,
    readiness: ctx.readiness,
    metrics,
    lagLimitMs: settings.storeLagLimit,
  });
  shutdown.add(`stop retrying writes for ${name}`, stopRetrying);
  const watched: WatchedCluster = {
    name,
    cluster,
    detector,
    tracker,
    source,
    sourcePollMs: settings.sourcePoll,
    holdsLease,
    scope,
    shard: shard?.key,
  };

  if (!settings.leaderElection) {
    detector.start();
    metrics.leader.set(1);
    return { watched, announcer, events };
  }
  detector.standby();
  const lease = {
    client: cluster.client,
    namespace: settings.leaseNamespace ?? cluster.namespace ?? "default",
    identity: ctx.identity,
    leaseDurationMs: settings.leaseDuration,
    retryPeriodMs: tuning?.leaseRetryMs,
    logger,
  };
  const unsharded = () => new LeaderElector({ ...lease, name: settings.leaseName, mayAcquire: () => false });
  const elector = new LeaderElector({
    ...lease,
    name: shard ? shardLeaseName(settings.leaseName, shard.key) : settings.leaseName,
    onReachability: (reachable) => detector.setApiserverReachable(reachable),
    mayAcquire: shard && ctx.sharding?.gate(shard.key, name, unsharded),
    onChange: (leading) => {
      metrics.leader.set(ctx.anyLeading() || leading ? 1 : 0);
      ctx.sharding?.ownershipChanged();
      if (leading) detector.start();
      else
        void detector.stop().then(() => {
          if (shard) {
            detector.results.clear(); // the shard's verdicts are its new owner's to report now
            ctx.onResults();
          }
          if (!ctx.shuttingDown()) detector.standby();
        });
    },
  });
  detectorRef.elector = elector;
  if (shard)
    ctx.sharding?.add(shard.key, elector); // started with the others once all shards are known
  else elector.start();
  return { watched, announcer, events, elector };
}

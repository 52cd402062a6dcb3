// `drift-detector run`: the runtime (logs, metrics, health, HTTP, shutdown) around one ClusterDetector per cluster,
// each behind its own Lease so that replicas share clusters and only a cluster's leader detects and reports it.
import type { DestinationStream, Logger } from "pino";
import { createAnalyzer } from "../analysis/factory.js";
import { Readiness } from "../app/health.js";
import { createHttpServer } from "../app/http.js";
import { createLogger } from "../app/logger.js";
import { createMetricsRegistry } from "../app/metrics.js";
import { Shutdown } from "../app/shutdown.js";
import { openSource } from "../desired/open.js";
import type { DesiredSource } from "../desired/source.js";
import { StoreAnalysisCache } from "../detector/analysis-cache.js";
import { Announcer } from "../detector/announcer.js";
import { ClusterDetector } from "../detector/cluster-detector.js";
import { ServiceEngineConfig } from "../detector/engine-config.js";
import { DriftEventBus } from "../detector/event-bus.js";
import { DriftMetrics } from "../detector/metrics.js";
import { RecordStats } from "../detector/record-stats.js";
import { RecordStore } from "../detector/record-store.js";
import { postKubeEvent } from "../detector/reporters/kube-event.js";
import { WebhookNotifier } from "../detector/reporters/webhook.js";
import { Tracker } from "../detector/tracker.js";
import { loadCluster } from "../kube/cluster.js";
import { defaultIdentity, LeaderElector } from "../kube/leader.js";
import { errorMessage } from "../lib/errors.js";
import { loadPolicyFile } from "../remediation/policy.js";
import { registerApi } from "../server/api.js";
import { registerDashboard } from "../server/dashboard/routes.js";
import type { Remediator } from "../server/remediator.js";
import { registerChartLibrary } from "../server/routes/chart-library.js";
import { registerStatsRoutes } from "../server/routes/stats.js";
import type { Database } from "../store/database.js";
import { openStore } from "../store/open.js";
import { defaultHubs, ServiceRemediation, type WatchedCluster } from "./remediation.js";
import { clusterSpecs, type RunSettings } from "./settings.js";

export interface ServiceOptions {
  settings: RunSettings;
  env?: NodeJS.ProcessEnv;
  /** Log destination (tests); stdout by default. */
  logDestination?: DestinationStream;
  remediator?: Remediator;
  /** Test tuning: debounce, watch timeout. */
  tuning?: { debounceMs?: number; watchTimeoutSeconds?: number; leaseRetryMs?: number; snoozePollMs?: number };
}

export interface RunningService {
  logger: Logger;
  detectors: ClusterDetector[];
  trackers: Tracker[];
  readiness: Readiness;
  address: string;
  shutdown: Shutdown;
  /** Stops everything (as SIGTERM does); true when done within the deadline. */
  stop(): Promise<boolean>;
}

export async function startService(opts: ServiceOptions): Promise<RunningService> {
  const { settings } = opts;
  const env = opts.env ?? process.env;
  const logger = createLogger({ name: "drift-detector", level: settings.logLevel, destination: opts.logDestination });
  // DRIFT_CONFIG: a bad file refuses the start (before anything is opened); edits apply at the next full resync.
  const engineConfig = new ServiceEngineConfig(settings.config, logger);
  await engineConfig.load();
  const shutdown = new Shutdown(logger);
  const registry = createMetricsRegistry();
  const metrics = new DriftMetrics(registry);
  const readiness = new Readiness();
  const bus = new DriftEventBus();
  const identity = defaultIdentity(env);

  let db: Database | undefined;
  try {
    db = await openStore({ databaseUrl: settings.databaseUrl ?? "", dataDir: settings.dataDir, initInChild: true });
    shutdown.add("close the store", () => db?.close());
  } catch (err) {
    // Without a store at start the service still detects and reports; records live in memory until restart.
    if (settings.databaseUrl === undefined) throw err;
    logger.warn({ err: errorMessage(err) }, "store unavailable at start; drift records are kept in memory");
    metrics.storeAvailable.set(0);
  }
  const recordStore = db ? new RecordStore(db) : undefined;
  // Registered early so that it runs late: after detection and remediation stopped using the sources.
  const sources: DesiredSource[] = [];
  shutdown.add("close the desired-state sources", async () => {
    await Promise.all(sources.map((s) => s.close?.()));
  });

  const analyzer =
    createAnalyzer(settings, { logger, registry, cache: db ? new StoreAnalysisCache(db) : undefined }) ?? undefined;

  const webhook = settings.webhookUrl
    ? new WebhookNotifier({
        url: settings.webhookUrl,
        logger,
        onOutcome: (outcome) => metrics.notifications.inc({ outcome }),
      })
    : undefined;
  if (webhook) shutdown.add("flush notifications", () => webhook.close(2000));

  const server = createHttpServer({ registry, readiness });
  const detectors: ClusterDetector[] = [];
  const trackers: Tracker[] = [];
  const electors: LeaderElector[] = [];
  const announcers: Announcer[] = [];
  let shutdownStarted = false;
  const updateGauges = () => {
    metrics.setResults(detectors.flatMap((d) => [...d.results.values()]));
  };
  const watched: WatchedCluster[] = [];
  metrics.detectionInterval.set(settings.interval / 1000);
  metrics.ready = () => readiness.ready;
  metrics.watchesSynced = () =>
    detectors.filter((d) => d.running).map((d) => ({ cluster: d.name, synced: d.liveView.isSynced }));
  metrics.openRecords = () => trackers.flatMap((t) => t.openRecords);
  metrics.kubeRequests = () =>
    watched.flatMap(({ name, cluster, detector }) => [
      ...Object.entries(cluster.client.stats.byMethod).map(([method, count]) => ({ cluster: name, method, count })),
      { cluster: name, method: "WATCH", count: detector.liveView.stats().watches },
    ]);
  const remediation = new ServiceRemediation({
    mode: settings.remediation,
    policy: env.DRIFT_REMEDIATION_POLICY ? loadPolicyFile(env.DRIFT_REMEDIATION_POLICY) : undefined,
    db,
    recordStore,
    clusters: () => watched,
    hubs: defaultHubs(env, db),
    bus,
    logger,
  });
  shutdown.add("stop remediation", () => remediation.stop());
  await remediation.loadIgnoreRules();
  engineConfig.storeRules = remediation.engine;
  registerDashboard(server, {
    mode: settings.remediation,
    store: remediation.store,
    actionsEnabled: !!settings.apiToken,
  });
  registerApi(server, {
    store: recordStore,
    openRecords: () => trackers.flatMap((t) => t.openRecords),
    resources: () => detectors.flatMap((d) => [...d.results.values()].map((result) => ({ cluster: d.name, result }))),
    bus,
    apiToken: settings.apiToken,
    remediator: opts.remediator ?? remediation,
  });
  registerStatsRoutes(server, {
    history: db ? new RecordStats(db) : undefined,
    units: () => sources.flatMap((s) => s.units?.() ?? []),
    results: () => detectors.flatMap((d) => [...d.results.values()]),
  });
  registerChartLibrary(server);

  for (const spec of clusterSpecs(settings)) {
    const cluster = loadCluster({ kubeconfig: settings.kubeconfig, context: spec.context, env });
    shutdown.add(`close the client of ${cluster.contextName}`, () => cluster.client.close());
    const source = await openSource(spec.source, { env });
    sources.push(source);
    const name = cluster.contextName;
    const clusterLogger = logger.child({ cluster: name });
    const tracker = new Tracker({
      cluster: name,
      store: recordStore,
      logger: clusterLogger,
      onStoreAvailability: (ok) => metrics.storeAvailable.set(ok ? 1 : 0),
    });
    const detectorRef: { current?: ClusterDetector } = {};
    const announcer = new Announcer({
      logger,
      metrics,
      bus,
      analyzer,
      attachAnalysis: (record, analysis) => tracker.attachAnalysis(record, analysis),
      sinks: [
        (ev) =>
          postKubeEvent(
            {
              client: cluster.client,
              instance: identity,
              logger: clusterLogger,
              liveObject: (r) => detectorRef.current?.liveView.get(r.ref),
            },
            ev,
          ),
        ...(webhook ? [(ev: Parameters<WebhookNotifier["notify"]>[0]) => webhook.notify(ev)] : []),
      ],
      snoozes: remediation.store,
      openRecord: (id) => tracker.openRecords.find((r) => r.id === id),
      leading: () => detectorRef.current?.running ?? false,
      snoozePollMs: opts.tuning?.snoozePollMs,
    });
    const detector = new ClusterDetector({
      name,
      cluster,
      source,
      mode: settings.mode,
      intervalMs: settings.interval,
      sourcePollMs: settings.sourcePoll,
      tracker,
      announcer,
      metrics,
      readiness,
      logger: clusterLogger,
      onResults: updateGauges,
      engine: engineConfig.engine,
      beforeFull: () => engineConfig.reload(),
      debounceMs: opts.tuning?.debounceMs,
      watchTimeoutSeconds: opts.tuning?.watchTimeoutSeconds,
    });
    detectorRef.current = detector;
    watched.push({ name, cluster, detector, tracker, source, sourcePollMs: settings.sourcePoll });
    detectors.push(detector);
    trackers.push(tracker);
    // Pending record writes are retried in the background while the store is away.
    const flushTimer = setInterval(() => void tracker.flush(), 5000);
    flushTimer.unref();
    shutdown.add(`stop retrying writes for ${name}`, () => clearInterval(flushTimer));

    if (!settings.leaderElection) {
      detector.start();
      metrics.leader.set(1);
    } else {
      detector.standby();
      const elector = new LeaderElector({
        client: cluster.client,
        namespace: settings.leaseNamespace ?? cluster.namespace ?? "default",
        name: settings.leaseName,
        identity,
        leaseDurationMs: settings.leaseDuration,
        retryPeriodMs: opts.tuning?.leaseRetryMs,
        logger: clusterLogger,
        onReachability: (reachable) => detector.setApiserverReachable(reachable),
        onChange: (leading) => {
          metrics.leader.set(electors.some((e) => e.isLeader) || leading ? 1 : 0);
          if (leading) detector.start();
          else
            void detector.stop().then(() => {
              if (!shutdownStarted) detector.standby();
            });
        },
      });
      electors.push(elector);
      elector.start();
    }
    announcers.push(announcer);
  }
  // Steps run in reverse order of registration: stop detecting (watches end, the current detection is abandoned,
  // what was announced is delivered), release the leases, close the server; the store closes last.
  shutdown.add("close the HTTP server", () => server.close());
  shutdown.add("release leases", async () => {
    await Promise.all(electors.map((e) => e.stop()));
    metrics.leader.set(0);
  });
  shutdown.add("stop detecting", async () => {
    shutdownStarted = true;
    await Promise.all(detectors.map((d) => d.stop()));
    for (const a of announcers) a.stop();
    await Promise.all(announcers.map((a) => a.idle()));
    await Promise.all(trackers.map((t) => t.flush()));
  });

  const address = await server.listen({ host: settings.listen.host, port: settings.listen.port });
  logger.info({ address, identity, clusters: detectors.map((d) => d.name) }, "drift-detector started");

  return {
    logger,
    detectors,
    trackers,
    readiness,
    address,
    shutdown,
    stop: () => shutdown.run(),
  };
}

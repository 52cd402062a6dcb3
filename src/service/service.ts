// `drift-detector run`, the composition root: the runtime (logs, metrics, health, HTTP, shutdown), the store, the
// analyzer, notifications, remediation and the API, around one started cluster each (./cluster.ts).
import type { DestinationStream, Logger } from "pino";
import { createAnalyzer } from "../analysis/factory.js";
import { Liveness, Readiness } from "../app/health.js";
import { createHttpServer } from "../app/http.js";
import { createLogger } from "../app/logger.js";
import { createMetricsRegistry } from "../app/metrics.js";
import { Shutdown } from "../app/shutdown.js";
import type { DesiredSource } from "../desired/source.js";
import { StoreAnalysisCache } from "../detector/analysis-cache.js";
import type { ClusterDetector } from "../detector/cluster-detector.js";
import { ServiceEngineConfig } from "../detector/engine-config.js";
import { DriftEventBus } from "../detector/event-bus.js";
import { DriftMetrics } from "../detector/metrics.js";
import { RecordStats } from "../detector/record-stats.js";
import { RecordStore } from "../detector/record-store.js";
import { WebhookNotifier } from "../detector/reporters/webhook.js";
import { startRetention } from "../detector/retention.js";
import type { Tracker } from "../detector/tracker.js";
import type { AdmissionIdentity } from "../identity/admission.js";
import { defaultIdentity } from "../kube/leader.js";
import { errorMessage } from "../lib/errors.js";
import { loadPolicyFile } from "../remediation/policy.js";
import { AccessGate, isLoopback } from "../server/access.js";
import { registerApi } from "../server/api.js";
import { registerDashboard } from "../server/dashboard/routes.js";
import { registerHostCheck } from "../server/host-check.js";
import { SSE_DEFAULTS } from "../server/sse-limits.js";
import type { Database } from "../store/database.js";
import { openStore } from "../store/open.js";
import { homeReviewer } from "./access.js";
import { startAdmission } from "./admission.js";
import { type ClusterContext, type StartedCluster, startCluster } from "./cluster.js";
import { installHashKey } from "./hash-key.js";
import { defaultHubs, ServiceRemediation } from "./remediation.js";
import { clusterSpecs, type RunSettings } from "./settings.js";
import { advertisedUrl, peerResources, shardedRemediator, startSharding } from "./sharding.js";

export interface ServiceOptions {
  settings: RunSettings;
  env?: NodeJS.ProcessEnv;
  /** Log destination (tests); stdout by default. */
  logDestination?: DestinationStream;
  /** Test tuning: debounce, watch timeout. */
  tuning?: ClusterContext["tuning"];
}

export interface RunningService {
  logger: Logger;
  detectors: ClusterDetector[];
  trackers: Tracker[];
  readiness: Readiness;
  address: string;
  shutdown: Shutdown;
  /** DRIFT_IDENTITY=admission: the webhook (tests rotate its certificate). */
  admission?: AdmissionIdentity;
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
  const liveness = new Liveness();
  const bus = new DriftEventBus();
  const identity = defaultIdentity(env);

  let db: Database | undefined;
  try {
    db = await openStore({
      databaseUrl: settings.databaseUrl ?? "",
      dataDir: settings.dataDir,
      initInChild: true,
      timeouts: {
        connectTimeoutMs: settings.databaseConnectTimeout,
        statementTimeoutMs: settings.databaseStatementTimeout,
        idleInTransactionTimeoutMs: settings.databaseIdleInTransactionTimeout,
      },
    });
    shutdown.add("close the store", () => db?.close());
  } catch (err) {
    // Without a store at start the service still detects and reports; records live in memory until restart.
    if (settings.databaseUrl === undefined) throw err;
    logger.warn({ err: errorMessage(err) }, "store unavailable at start; drift records are kept in memory");
    metrics.storeAvailable.set(0);
  }
  const recordStore = db ? new RecordStore(db) : undefined;
  engineConfig.secretHashKey = await installHashKey(db, settings.secretHashKey);
  if (db) {
    const policy = { historyMs: settings.historyRetention, auditMs: settings.auditRetention };
    const retention = startRetention(db, policy, { logger, registry });
    shutdown.add("stop pruning old history", () => retention.stop());
  }
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
        timeoutMs: settings.webhookTimeout,
        onOutcome: (outcome) => {
          metrics.notifications.inc({ outcome });
          if (outcome === "dropped") metrics.queueDropped.inc({ queue: "webhook" });
        },
      })
    : undefined;
  if (webhook) shutdown.add("flush notifications", () => webhook.close(2000));

  const admission = await startAdmission(settings, db, logger, shutdown, opts.tuning?.admission);
  const server = createHttpServer({ registry, readiness, liveness });
  const specs = clusterSpecs(settings);
  const sharding = startSharding({ settings, env, identity, logger, registry, shutdown, tuning: opts.tuning });
  const clusters: StartedCluster[] = [];
  const watched = () => clusters.map((c) => c.watched);
  const electors = () => clusters.flatMap((c) => (c.elector ? [c.elector] : []));
  let shutdownStarted = false;
  const updateGauges = () => {
    metrics.setResults(watched().flatMap((w) => [...w.detector.results.values()]));
  };
  metrics.detectionInterval.set(settings.interval / 1000);
  metrics.ready = () => readiness.ready;
  metrics.watchesSynced = () =>
    watched()
      .filter((w) => w.detector.running)
      .map((w) => ({ cluster: w.name, synced: w.detector.liveView.isSynced }));
  metrics.openRecords = () => watched().flatMap((w) => w.tracker.openRecords);
  metrics.kubeRequests = () =>
    watched().flatMap(({ name, cluster, detector }) => [
      ...Object.entries(cluster.client.stats.byMethod).map(([method, count]) => ({ cluster: name, method, count })),
      { cluster: name, method: "WATCH", count: detector.liveView.stats().watches },
    ]);
  metrics.watchAges = () =>
    watched().flatMap(({ name, detector }) =>
      [...detector.liveView.watches()].map(({ watch, informer }) => ({
        cluster: name,
        watch,
        seconds: informer.silentForMs() / 1000,
      })),
    );
  const remediation = new ServiceRemediation({
    mode: settings.remediation,
    policy: env.DRIFT_REMEDIATION_POLICY ? loadPolicyFile(env.DRIFT_REMEDIATION_POLICY) : undefined,
    db,
    recordStore,
    clusters: watched,
    hubs: defaultHubs(env, db, (line) => logger.info(line)),
    bus,
    logger,
  });
  shutdown.add("stop remediation", () => remediation.stop());
  await remediation.loadIgnoreRules();
  engineConfig.storeRules = remediation.engine;
  registerHostCheck(server, settings.allowedHosts);
  registerDashboard(server);
  registerApi(server, {
    store: recordStore,
    openRecords: () => watched().flatMap((w) => w.tracker.openRecords),
    resources: () =>
      watched().flatMap(({ name, detector }) =>
        [...detector.results.values()].map((result) => ({ cluster: name, result })),
      ),
    peerResources: sharding && peerResources(sharding, logger),
    bus,
    sse: { ...SSE_DEFAULTS, maxConnections: settings.sseMaxConnections, maxPerClient: settings.sseMaxPerClient },
    access: new AccessGate({
      loopback: isLoopback(settings.listen.host),
      apiToken: settings.apiToken,
      reviewer: homeReviewer(settings, env, shutdown),
      metricsAuth: settings.metricsAuth === "token",
    }),
    remediation: {
      mode: settings.remediation,
      remediator: shardedRemediator(sharding, remediation, watched, settings.apiToken),
      store: remediation.store,
    },
    stats: {
      history: db ? new RecordStats(db) : undefined,
      units: () => sources.flatMap((s) => s.units?.() ?? []),
      results: () => watched().flatMap((w) => [...w.detector.results.values()]),
    },
  });

  const ctx: ClusterContext = {
    settings,
    env,
    logger,
    metrics,
    readiness,
    liveness,
    bus,
    identity,
    shutdown,
    sources,
    recordStore,
    db,
    analyzer,
    webhook,
    snoozes: remediation.store,
    engineConfig,
    onResults: updateGauges,
    tuning: opts.tuning,
    anyLeading: () => electors().some((e) => e.isLeader),
    shuttingDown: () => shutdownStarted,
    sharding,
    admission,
    sharedContexts: new Set(specs.map((s) => s.context).filter((c, i, all) => all.indexOf(c) !== i)),
  };
  for (const spec of specs) clusters.push(await startCluster(ctx, spec));
  const detectors = watched().map((w) => w.detector);
  const trackers = watched().map((w) => w.tracker);
  const announcers = clusters.map((c) => c.announcer);
  metrics.queueDepths = () => [
    ...clusters.flatMap((c) => [
      { queue: "analysis", depth: c.announcer.analysisBacklog },
      { queue: "events", depth: c.events.size },
    ]),
    { queue: "webhook", depth: webhook?.size ?? 0 },
  ];
  // Steps run in reverse order of registration: stop detecting (watches end, the current detection is abandoned,
  // what was announced is delivered), release the leases, close the server; the store closes last.
  shutdown.add("close the HTTP server", () => server.close());
  shutdown.add("release leases", async () => {
    await Promise.all(electors().map((e) => e.stop()));
    metrics.leader.set(0);
  });
  if (sharding) {
    sharding.start();
    shutdown.add("leave the replicas sharing the shards", () => sharding.stop());
  }
  shutdown.add("stop detecting", async () => {
    shutdownStarted = true;
    await Promise.all(detectors.map((d) => d.stop()));
    for (const a of announcers) a.stop();
    await Promise.all(announcers.map((a) => a.idle()));
    await Promise.all(trackers.map((t) => t.close()));
    await Promise.all(clusters.map((c) => c.events.close(2000)));
  });

  const address = await server.listen({ host: settings.listen.host, port: settings.listen.port });
  sharding?.advertise(advertisedUrl(address, env));
  logger.info({ address, identity, clusters: detectors.map((d) => d.name) }, "drift-detector started");

  return {
    logger,
    detectors,
    trackers,
    readiness,
    address,
    shutdown,
    admission,
    stop: () => shutdown.run(),
  };
}

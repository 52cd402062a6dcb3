// The service's Prometheus metrics, named exactly as in CONTRACT.md (plus a few operational extras).
import { Counter, Gauge, Histogram, type Registry } from "prom-client";
import type { ResourceResult } from "../drift/types.js";
import type { DriftEventType, DriftRecord } from "./records.js";

export class DriftMetrics {
  readonly resources: Gauge<"status">;
  readonly driftedResources: Gauge<"namespace" | "kind" | "severity">;
  readonly driftEvents: Counter<"event">;
  readonly detectionDuration: Histogram<"scope">;
  readonly lastFullDetection: Gauge;
  readonly leader: Gauge;
  readonly sourceAvailable: Gauge<"cluster">;
  readonly sourceErrors: Gauge<"cluster">;
  readonly storeAvailable: Gauge;
  readonly storeWriteFailures: Counter<"reason">;
  readonly storePendingWrites: Gauge<"cluster">;
  readonly storeLag: Gauge<"cluster">;
  readonly watchEvents: Counter<"outcome">;
  /** Where the apiserver request counts come from: the clusters' clients, read at scrape time. */
  kubeRequests: () => Iterable<{ cluster: string; method: string; count: number }> = () => [];
  /** Where the watches' silences come from: the clusters' live views, read at scrape time. */
  watchAges: () => Iterable<{ cluster: string; watch: string; seconds: number }> = () => [];
  readonly watchRestarts: Counter<"cluster" | "reason">;
  readonly notifications: Counter<"outcome">;
  readonly queueDropped: Counter<"queue">;
  readonly eventsSuppressed: Counter;
  /** Where the queues' depths come from (analysis, events, webhook), read at scrape time. */
  queueDepths: () => Iterable<{ queue: string; depth: number }> = () => [];
  readonly detectionInterval: Gauge;
  /** Read at scrape time, for the alert rules (deploy/components/alerts): readiness as /readyz answers it, the watch
   * state of each cluster this replica detects, and the open records (the stuck-drift-loop gauge). */
  ready: () => boolean = () => false;
  watchesSynced: () => Iterable<{ cluster: string; synced: boolean }> = () => [];
  openRecords: () => Iterable<DriftRecord> = () => [];

  constructor(registry: Registry) {
    const registers = [registry];
    this.resources = new Gauge({
      name: "drift_detector_resources",
      help: "Desired resources by verdict (InSync, Drifted, Missing, Error)",
      labelNames: ["status"],
      registers,
    });
    this.driftedResources = new Gauge({
      name: "drift_detector_drifted_resources",
      help: "Drifted or missing resources",
      labelNames: ["namespace", "kind", "severity"],
      registers,
    });
    this.driftEvents = new Counter({
      name: "drift_detector_drift_events_total",
      help: "Drift record transitions announced",
      labelNames: ["event"],
      registers,
    });
    for (const event of ["opened", "updated", "resolved"]) this.driftEvents.inc({ event }, 0);
    this.detectionDuration = new Histogram({
      name: "drift_detector_detection_duration_seconds",
      help: "Duration of detections: full (every desired object) or object (one watch-triggered batch)",
      labelNames: ["scope"],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    });
    this.lastFullDetection = new Gauge({
      name: "drift_detector_last_full_detection_timestamp_seconds",
      help: "Unix time of the last completed full detection",
      registers,
    });
    this.leader = new Gauge({
      name: "drift_detector_leader",
      help: "1 while this replica leads (for at least one cluster)",
      registers,
    });
    this.sourceAvailable = new Gauge({
      name: "drift_detector_source_available",
      help: "1 when the desired-state source could be read at the last attempt, 0 while the last known state is used",
      labelNames: ["cluster"],
      registers,
    });
    this.sourceErrors = new Gauge({
      name: "drift_detector_source_errors",
      help: "Desired documents (files' documents, hub units) that cannot be read; their open drifts stay open",
      labelNames: ["cluster"],
      registers,
    });
    this.storeAvailable = new Gauge({
      name: "drift_detector_store_available",
      help: "1 when the store accepts writes, 0 while records are kept in memory",
      registers,
    });
    this.storeAvailable.set(1);
    this.storeWriteFailures = new Counter({
      name: "drift_detector_store_write_failures_total",
      help: "Failed drift record writes: refused (that record; the others go on) or unavailable (the store)",
      labelNames: ["reason"],
      registers,
    });
    for (const reason of ["refused", "unavailable"]) this.storeWriteFailures.inc({ reason }, 0);
    this.storePendingWrites = new Gauge({
      name: "drift_detector_store_pending_writes",
      help: "Drift records whose latest state is not in the store yet (kept in memory, retried)",
      labelNames: ["cluster"],
      registers,
    });
    this.storeLag = new Gauge({
      name: "drift_detector_store_lag_seconds",
      help: "How long the oldest drift record change not yet in the store has waited; 0 when all are stored",
      labelNames: ["cluster"],
      registers,
    });
    this.watchEvents = new Counter({
      name: "drift_detector_watch_events_total",
      help: "Watch-triggered work: queued (could change a verdict) or dropped (status-only, unchanged)",
      labelNames: ["outcome"],
      registers,
    });
    const metrics = this;
    new Counter({
      name: "drift_detector_kube_requests_total",
      help: "Requests sent to the apiserver by HTTP method (WATCH: watch requests), so its load is visible",
      labelNames: ["cluster", "method"],
      registers,
      collect() {
        this.reset();
        for (const { cluster, method, count } of metrics.kubeRequests()) this.inc({ cluster, method }, count);
      },
    });
    new Gauge({
      name: "drift_detector_watch_age_seconds",
      help: "Seconds since each watch (apiVersion|kind|namespace) last listed, opened or brought an event: a stuck one grows",
      labelNames: ["cluster", "watch"],
      registers,
      collect() {
        this.reset();
        for (const { cluster, watch, seconds } of metrics.watchAges()) this.set({ cluster, watch }, seconds);
      },
    });
    this.watchRestarts = new Counter({
      name: "drift_detector_watch_restarts_total",
      help: "Watches the watchdog restarted: silent (relisted) or stopped (a failed informer started again)",
      labelNames: ["cluster", "reason"],
      registers,
    });
    this.notifications = new Counter({
      name: "drift_detector_notifications_total",
      help: "Webhook notifications by outcome (sent, failed, dropped)",
      labelNames: ["outcome"],
      registers,
    });
    this.queueDropped = new Counter({
      name: "drift_detector_queue_dropped_total",
      help: "Entries a full queue dropped (its oldest): analysis (that drift takes the rules' analysis), events, webhook",
      labelNames: ["queue"],
      registers,
    });
    new Gauge({
      name: "drift_detector_queue_depth",
      help: "Work waiting in each bounded queue: analysis (drifts awaiting their analysis), events, webhook",
      labelNames: ["queue"],
      registers,
      collect() {
        this.reset();
        const depth = new Map<string, number>([
          ["analysis", 0],
          ["events", 0],
          ["webhook", 0],
        ]);
        for (const q of metrics.queueDepths()) depth.set(q.queue, (depth.get(q.queue) ?? 0) + q.depth);
        for (const [queue, n] of depth) this.set({ queue }, n);
      },
    });
    this.eventsSuppressed = new Counter({
      name: "drift_detector_events_suppressed_total",
      help: "Kubernetes Events not posted because their object was over its rate (the next Event counts them)",
      registers,
    });
    this.detectionInterval = new Gauge({
      name: "drift_detector_detection_interval_seconds",
      help: "The configured interval between full detections (DRIFT_INTERVAL): verdicts older than twice it are stale",
      registers,
    });
    new Gauge({
      name: "drift_detector_ready",
      help: "1 while the replica is ready (GET /readyz answers 200), else 0",
      registers,
      collect() {
        this.set(metrics.ready() ? 1 : 0);
      },
    });
    new Gauge({
      name: "drift_detector_watches_synced",
      help: "1 while every watch of the cluster is listed and watching, 0 while one is out of sync (leading replicas)",
      labelNames: ["cluster"],
      registers,
      collect() {
        this.reset();
        for (const { cluster, synced } of metrics.watchesSynced()) this.set({ cluster }, synced ? 1 : 0);
      },
    });
    new Gauge({
      name: "drift_detector_looping_drifts",
      help: "Open drifts that came back soon after each of their last resolutions (a controller fighting the hub)",
      labelNames: ["namespace", "kind"],
      registers,
      collect() {
        this.reset();
        const counts = new Map<string, { namespace: string; kind: string; n: number }>();
        for (const r of metrics.openRecords()) {
          if (!r.recurrence?.looping) continue;
          const namespace = r.ref.namespace ?? "";
          const k = `${namespace}|${r.ref.kind}`;
          const e = counts.get(k) ?? { namespace, kind: r.ref.kind, n: 0 };
          e.n++;
          counts.set(k, e);
        }
        for (const e of counts.values()) this.set({ namespace: e.namespace, kind: e.kind }, e.n);
      },
    });
  }

  event(event: DriftEventType): void {
    this.driftEvents.inc({ event });
  }

  /** Sets the resource gauges from the current verdicts of every cluster. */
  setResults(results: Iterable<ResourceResult>): void {
    const byStatus: Record<string, number> = { InSync: 0, Drifted: 0, Missing: 0, Error: 0 };
    const drifted = new Map<string, { namespace: string; kind: string; severity: string; n: number }>();
    for (const r of results) {
      byStatus[r.status] = (byStatus[r.status] ?? 0) + 1;
      if (r.status !== "Drifted" && r.status !== "Missing") continue;
      const severity = r.severity ?? "critical";
      const k = `${r.ref.namespace ?? ""}|${r.ref.kind}|${severity}`;
      const e = drifted.get(k) ?? { namespace: r.ref.namespace ?? "", kind: r.ref.kind, severity, n: 0 };
      e.n++;
      drifted.set(k, e);
    }
    for (const [status, n] of Object.entries(byStatus)) this.resources.set({ status }, n);
    this.driftedResources.reset();
    for (const e of drifted.values()) {
      this.driftedResources.set({ namespace: e.namespace, kind: e.kind, severity: e.severity }, e.n);
    }
  }
}

// Remediation inside `drift-detector run`: the Remediator the API calls (none without a store: nothing could be
// audited, so the API answers 501), its targets (one per watched cluster, on
// the public surface of the ClusterDetector and its Tracker), the hub clients for `accept`, the store, and in
// `auto` mode the AutoRemediator on the drift event bus.
import type { Logger } from "pino";
import type { DesiredSource } from "../desired/source.js";
import type { ClusterDetector } from "../detector/cluster-detector.js";
import type { DriftEventBus } from "../detector/event-bus.js";
import type { RecordStore } from "../detector/record-store.js";
import type { DriftRecord } from "../detector/records.js";
import type { Tracker } from "../detector/tracker.js";
import type { IgnoreRule } from "../drift/engine.js";
import type { HubApi } from "../hub/api.js";
import type { Cluster } from "../kube/cluster.js";
import { errorMessage } from "../lib/errors.js";
import { AutoRemediator } from "../remediation/auto.js";
import { hubUnitAccess } from "../remediation/hub-access.js";
import { PolicyError, type RemediationPolicy } from "../remediation/policy.js";
import { DriftRemediator } from "../remediation/remediator.js";
import { RemediationStore } from "../remediation/store.js";
import {
  type DriftRecordView,
  type HubUnitAccess,
  RemediationError,
  type RemediationMode,
  type RemediationTarget,
} from "../remediation/types.js";
import type { Database } from "../store/database.js";

/** One watched cluster, as the service builds it. */
export interface WatchedCluster {
  name: string;
  cluster: Cluster;
  detector: ClusterDetector;
  tracker: Tracker;
  /** The same source spec the detector watches, read again for the desired object of an action. */
  source: DesiredSource;
  /** How often the detector polls the source: a hub write is seen within this. */
  sourcePollMs: number;
  /** The lease fence (leader election on): false as soon as the lease may no longer be this replica's. */
  holdsLease?: () => boolean;
}

export interface ServiceRemediationOptions {
  mode: RemediationMode;
  policy?: RemediationPolicy;
  db?: Database;
  recordStore?: RecordStore;
  /** Filled by the service as it starts each cluster (read at call time). */
  clusters: () => WatchedCluster[];
  /** Hub clients by source type, for `accept`; opened on first use. */
  hubs?: Partial<Record<"hub" | "confighub", () => Promise<HubApi>>>;
  bus: DriftEventBus;
  logger: Logger;
  /** How long re-detection may take to show a revert's effect. */
  verifyTimeoutMs?: number;
}

export class ServiceRemediation {
  readonly store?: RemediationStore;
  readonly remediator?: DriftRemediator;
  readonly auto?: AutoRemediator;
  private unsubscribe?: () => void;

  constructor(private readonly opts: ServiceRemediationOptions) {
    if (opts.mode === "auto" && !opts.policy) {
      throw new PolicyError(
        "DRIFT_REMEDIATION=auto needs DRIFT_REMEDIATION_POLICY: a YAML file naming what may be reverted without a person (docs/remediation.md)",
      );
    }
    if (!opts.db) return; // without a store nothing can be audited: actions are refused (501)
    this.store = new RemediationStore(opts.db);
    this.remediator = new DriftRemediator({
      mode: opts.mode,
      store: this.store,
      records: { get: (id) => this.findRecord(id) },
      target: (cluster) => this.target(cluster),
      onIgnoreRule: () => this.loadIgnoreRules(),
    });
    if (opts.mode === "auto" && opts.policy) {
      this.auto = new AutoRemediator({
        policy: opts.policy,
        remediator: this.remediator,
        logger: opts.logger,
        current: (id) => this.findRecord(id),
        snoozed: async (id) => (await this.store?.activeSnoozes())?.has(id) ?? false,
        labelsOf: async (record) => {
          const desired = await this.target((record as DriftRecord).cluster)?.desiredObject(record);
          return desired?.object.metadata.labels;
        },
      });
      this.unsubscribe = opts.bus.subscribe(this.auto.onEvent);
    }
  }

  /**
   * Engine options for the detectors: the ignore rules added from drift records. The detectors keep this object and
   * read `ignoreRules` at every detection; it is replaced (never mutated) when a rule is added.
   */
  readonly engine: { ignoreRules: IgnoreRule[] } = { ignoreRules: [] };

  async loadIgnoreRules(): Promise<void> {
    if (!this.store) return;
    try {
      this.engine.ignoreRules = await this.store.ignoreRules();
    } catch (err) {
      this.opts.logger.warn({ err: errorMessage(err) }, "cannot load the ignore rules added from drift records");
    }
  }

  stop(): void {
    this.unsubscribe?.();
    this.auto?.stop();
  }

  private readonly hubApis = new Map<string, Promise<HubApi>>();
  private hubAccess(type: "hub" | "confighub"): HubUnitAccess | undefined {
    const open = this.opts.hubs?.[type];
    if (!open) return undefined;
    const api = () => {
      let p = this.hubApis.get(type);
      if (!p) {
        p = open();
        p.catch(() => this.hubApis.delete(type)); // a failed open is retried by the next action
        this.hubApis.set(type, p);
      }
      return p.then(hubUnitAccess);
    };
    return {
      headRevision: async (space, unit) => (await api()).headRevision(space, unit),
      getData: async (space, unit) => (await api()).getData(space, unit),
      putData: async (space, unit, data, o) => (await api()).putData(space, unit, data, o),
    };
  }

  private async findRecord(id: string): Promise<DriftRecord | undefined> {
    try {
      const stored = await this.opts.recordStore?.get(id);
      if (stored) return stored;
    } catch (err) {
      this.opts.logger.warn({ err: errorMessage(err) }, "store unavailable: looking for the record in memory");
    }
    return this.opts
      .clusters()
      .flatMap((c) => c.tracker.openRecords)
      .find((r) => r.id === id);
  }

  private target(name: string | undefined): RemediationTarget | undefined {
    const clusters = this.opts.clusters();
    const watched = clusters.find((c) => c.name === name) ?? (name === undefined ? clusters[0] : undefined);
    if (!watched) return undefined;
    const verifyMs = this.opts.verifyTimeoutMs ?? 5000;
    return {
      kube: { client: watched.cluster.client, discovery: watched.detector.discovery },
      leading: watched.detector.running && (watched.holdsLease?.() ?? true),
      desiredObject: async (record) => {
        const snapshot = await watched.source.load();
        return snapshot.objects.find((d) => sameObject(d.ref, record.ref, watched.cluster.namespace));
      },
      redetect: async (record, { reloadDesired }) => {
        const key = (record as DriftRecord).key ?? watched.detector.liveView.keyFor(record.ref);
        watched.detector.queue.add(key);
        return waitForResolution(
          watched.tracker,
          record,
          key,
          verifyMs + (reloadDesired ? watched.sourcePollMs : 0),
          () => watched.detector.queue.add(key),
        );
      },
      hubFor: (source) => (source.type === "file" ? undefined : this.hubAccess(source.type)),
    };
  }
}

function sameObject(a: DriftRecordView["ref"], b: DriftRecordView["ref"], defaultNs: string | undefined): boolean {
  const ns = (r: DriftRecordView["ref"]) => r.namespace ?? defaultNs ?? "default";
  return (
    a.kind === b.kind &&
    a.name === b.name &&
    a.apiVersion.split("/")[0] === b.apiVersion.split("/")[0] &&
    ns(a) === ns(b)
  );
}

/** Polls the tracker until the record is closed (resolved) or the time is up ("open"); nudges detection meanwhile. */
async function waitForResolution(
  tracker: Tracker,
  record: DriftRecordView,
  key: string,
  timeoutMs: number,
  nudge: () => void,
): Promise<"open" | "resolved"> {
  const deadline = Date.now() + timeoutMs;
  let lastNudge = Date.now();
  for (;;) {
    const open = tracker.openRecord(key);
    if (!open || open.id !== record.id) return "resolved";
    if (Date.now() >= deadline) return "open";
    // The watch may deliver our own write after the first detection ran: ask again now and then.
    if (Date.now() - lastNudge > 1000) {
      nudge();
      lastNudge = Date.now();
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The hubs `accept` writes to: ours (over HTTP with HUB_URL, else embedded in the service's own store) and ConfigHub. */
export function defaultHubs(
  env: NodeJS.ProcessEnv,
  db: Database | undefined,
  log: (line: string) => void,
): ServiceRemediationOptions["hubs"] {
  return {
    hub: async () => {
      if (!env.HUB_URL && !db)
        throw new RemediationError(501, "the embedded hub needs the store, which is unavailable");
      return (await import("../hub/connect.js")).openOwnHub({ env, db });
    },
    confighub: async () => (await import("../hub/connect.js")).openConfigHub({ env, log }),
  };
}

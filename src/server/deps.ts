import type { DriftEventBus } from "../detector/event-bus.js";
import type { RecordStore } from "../detector/record-store.js";
import type { DriftRecord } from "../detector/records.js";
import type { ResourceResult } from "../drift/types.js";
import type { RemediationStore } from "../remediation/store.js";
import type { RemediationMode, Remediator } from "../remediation/types.js";
import type { AccessGate } from "./access.js";
import type { StatsDeps } from "./routes/stats.js";
import type { SseLimitOptions } from "./sse-limits.js";

/** What the API reads and calls: the service hands it these, and nothing of the detectors' insides. */
export interface ApiDeps {
  store?: RecordStore;
  /** Open records held in memory (every cluster), served when the store is unavailable. */
  openRecords: () => DriftRecord[];
  /** Latest verdicts: cluster name → results. */
  resources: () => Array<{ cluster: string; result: ResourceResult }>;
  /** Sharding: the latest verdicts of the shards the other replicas own, and the replicas that did not answer. */
  peerResources?: () => Promise<{ items: Array<{ cluster: string; result: ResourceResult }>; unreachable: string[] }>;
  bus: DriftEventBus;
  /** Who may read and act (access.ts); the routes read `actionsPossible` and the request's identity. */
  access: AccessGate;
  remediation: {
    mode: RemediationMode;
    /** Absent without a store: nothing could be audited, so actions answer 501. */
    remediator?: Remediator;
    /** The audit, snoozes and ignore rules. */
    store?: RemediationStore;
  };
  /** Bounds on /api/events (sse-limits.ts); defaults when absent. */
  sse?: SseLimitOptions;
  /** The fleet page's data (routes/stats.ts); without it those routes are not served. */
  stats?: StatsDeps;
}

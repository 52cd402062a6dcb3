// Remediation's vocabulary: the three actions on a drift record, what a caller asks, what it gets back, and the
// narrow views of the rest of the service that the actions need (so each action is testable on its own).

import type { DriftRecord } from "../detector/records.js";
import type { IgnoreRule } from "../drift/engine.js";
import type { DesiredObject } from "../drift/types.js";
import type { KubeClient } from "../kube/client.js";
import type { Discovery } from "../kube/discovery.js";
import { ExpectedError } from "../lib/errors.js";

export const REMEDIATION_ACTIONS = ["revert", "accept", "ignore"] as const;
export type RemediationAction = (typeof REMEDIATION_ACTIONS)[number];

export const REMEDIATION_MODES = ["off", "suggest", "auto"] as const;
export type RemediationMode = (typeof REMEDIATION_MODES)[number];

/** What remediation needs to know about one drift record (the tracker's record carries more). */
export type DriftRecordView = Pick<
  DriftRecord,
  "id" | "status" | "ref" | "source" | "resourceStatus" | "severity" | "changes" | "ignored"
>;

/** A request on one record: the body of `POST /api/drifts/{id}/actions` plus who asks. */
export interface ActionRequest {
  action: RemediationAction;
  dryRun: boolean;
  /** Who approved it, for the audit and the hub revision's description ("alice", "drift-detector (auto)"). */
  actor: string;
  /** ignore: snooze until this time (ISO 8601) or for this long ("2h", "30m"). */
  until?: string;
  /** ignore: add an ignore rule for these JSON Pointers of the resource (default: all drifted paths). */
  paths?: string[];
  /** ignore with paths: why, stored with the rule. */
  reason?: string;
  /** Forwarded by another replica to this one, the shard's owner (sharding): never forwarded again. */
  forwarded?: boolean;
}

/** One field as it is now and as it would be (or was made) by the action. */
export interface FieldChange {
  path: string;
  before?: unknown;
  after?: unknown;
}

export type ActionOutcomeKind = "succeeded" | "failed" | "conflict" | "refused" | "previewed";

export interface ActionResult {
  action: RemediationAction;
  dryRun: boolean;
  recordId: string;
  outcome: ActionOutcomeKind;
  /** One readable sentence: what was (or would be) done, or why not. */
  message: string;
  /** revert: fields of the live object that change; Secret values masked. */
  fields?: FieldChange[];
  /** accept: unified diff of the unit's data (the new revision against the current head). */
  diff?: string;
  /** accept: the revision written (or that would be written). */
  revision?: number;
  /** After the action: the record as re-detection left it. */
  recordState?: "open" | "resolved";
  /** The audit entry that records this action. */
  auditId?: number;
}

/**
 * An expected failure of an action, with the HTTP status the API answers: 404 unknown record, 409 resolved record
 * or a conflicting change, 403 remediation off or not allowed, 400 bad request, 422 cannot be done (masked Secret,
 * directory source), 501 not configured, 503 this replica does not lead the record's cluster.
 */
export class RemediationError extends ExpectedError {
  override readonly name = "RemediationError";
  constructor(
    readonly status: 400 | 403 | 404 | 409 | 422 | 501 | 502 | 503,
    message: string,
    readonly outcome: ActionOutcomeKind = status === 409 ? "conflict" : "refused",
  ) {
    super(message);
  }

  /** fastify answers a thrown error with this status. */
  get statusCode(): number {
    return this.status;
  }
}

/** What the HTTP API calls: one action on one record, checked against the mode, audited. */
export interface Remediator {
  readonly mode: RemediationMode;
  act(recordId: string, request: ActionRequest): Promise<ActionResult>;
}

/** The cluster access a revert needs. */
export interface RevertDeps {
  client: KubeClient;
  discovery: Discovery;
  fieldManager?: string;
}

/** The unit operations accept needs, from the embedded hub or ConfigHub (the adapter maps names to IDs). */
export interface HubUnitAccess {
  /** The unit's head revision; throws RemediationError(404) when the unit is gone. */
  headRevision(space: string, unit: string): Promise<number>;
  /** The head data and its ETag (`"<DataHash>"`). */
  getData(space: string, unit: string): Promise<{ data: string; etag: string }>;
  /** Writes new head data; a stale `ifMatch` throws RemediationError(409) and writes nothing. Returns the new head. */
  putData(space: string, unit: string, data: string, opts: { ifMatch: string; description: string }): Promise<number>;
}

/** One watched cluster as remediation sees it (the service's ClusterDetector behind it). */
export interface RemediationTarget {
  kube: RevertDeps;
  /** Only the cluster's leader acts (its detector verifies the outcome); false on a follower. */
  leading?: boolean;
  /** The desired object for the record's resource as the source holds it now; undefined when no longer desired. */
  desiredObject(record: DriftRecordView): Promise<DesiredObject | undefined>;
  /**
   * Detects the record's resource now (reloading the desired state first when asked, after a hub write), lets the
   * tracker record the verdict, and says whether the record is now resolved.
   */
  redetect(record: DriftRecordView, opts: { reloadDesired: boolean }): Promise<"open" | "resolved">;
  /** For `accept`: the client of the hub a record's source names (hub or confighub). */
  hubFor?(source: DriftRecordView["source"]): HubUnitAccess | undefined;
}

/** What one verb gets: the record, the request, the record's cluster and the remediation's own state. */
export interface ActionContext {
  record: DriftRecordView;
  request: ActionRequest;
  target: RemediationTarget;
  now: () => Date;
  /** Where `ignore` keeps snoozes and rules (RemediationStore; the audit is the gate's). */
  store: {
    snooze(recordId: string, until: Date, createdBy: string): Promise<void>;
    addIgnoreRule(recordId: string, rule: IgnoreRule, createdBy: string): Promise<number>;
  };
  /** After an ignore rule was stored: make the next detection use it. */
  onIgnoreRule?: () => Promise<void>;
}

/** What a verb did (or would do): the caller's answer and the audit entry's details. */
export interface ActionRun {
  result: Omit<ActionResult, "auditId">;
  details: Record<string, unknown>;
}

/** One verb, whole: its preview (dryRun) and its effect. */
export type Action = (ctx: ActionContext) => Promise<ActionRun>;

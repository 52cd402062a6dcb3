// DriftRecord: the life of one drift of one resource, from opened through updated (different changes) to resolved.
import type { Analysis } from "../analysis/types.js";
import type {
  Attribution,
  Change,
  IgnoredChange,
  ObjectRef,
  ResourceStatus,
  Severity,
  SourceInfo,
} from "../drift/types.js";
import type { ChangedBy } from "../identity/types.js";

export type DriftEventType = "opened" | "updated" | "resolved";
export type DriftRecordStatus = "open" | "resolved";

export interface DriftHistoryEntry {
  at: string;
  event: DriftEventType;
  fingerprint: string;
  severity: Severity | null;
  paths: string[];
  by: string[];
  /** DRIFT_IDENTITY: the person behind this transition's changes (personal data: src/identity/personal-data.ts). */
  changedBy?: ChangedBy;
}

export interface DriftRecord {
  id: string;
  /** The cluster (kubeconfig context) it was found in. */
  cluster: string;
  /** objectKey(ref): one open record per cluster and key. */
  key: string;
  ref: ObjectRef;
  source: SourceInfo;
  status: DriftRecordStatus;
  /** The resource's verdict when last seen drifting. */
  resourceStatus: Extract<ResourceStatus, "Drifted" | "Missing">;
  severity: Severity;
  /** analysis/fingerprint.ts driftFingerprint: the same departure always has the same one. */
  fingerprint: string;
  changes: Change[];
  ignored: IgnoredChange[];
  analysis: Analysis | null;
  openedAt: string;
  updatedAt: string;
  resolvedAt: string | null;
  history: DriftHistoryEntry[];
  /**
   * Set while the desired document of the object cannot be read (bad YAML, ...): the record stays open as it was
   * (nothing resolved what the source no longer says) until the document reads again. Absent otherwise.
   */
  sourceError?: string;
  /** DRIFT_IDENTITY: the person whose write made the current changes, or plainly unknown. Absent when off. */
  changedBy?: ChangedBy;
  /** Set when this drift (the same fingerprint) came back soon after the object's previous record resolved. */
  recurrence?: DriftRecurrence;
}

/** A drift that keeps coming back after each revert or apply: a controller or webhook fighting the hub. */
export interface DriftRecurrence {
  /** How many times in a row it reopened, each within the window of the previous resolution. */
  reopened: number;
  /** The record it reopens. */
  previousId: string;
  /** The condition: `reopened` reached the loop threshold. */
  looping: boolean;
}

/** A transition of a record, announced once by the reporters. */
export interface DriftEvent {
  event: DriftEventType;
  record: DriftRecord;
  /** The record is snoozed until then (ISO): the log line says so, no Kubernetes Event or webhook is sent. */
  snoozedUntil?: string;
  /** Not a transition but the reminder when the snooze that ended then left the drift still open (`opened`). */
  snoozeEnded?: string;
  /** Not a transition but the second message: the analysis of the transition `event` arrived (record.analysis). */
  analysed?: boolean;
}

/** Who changed the fields of a change set, as `manager (operation)` strings, without repeats. */
export function changeAuthors(changes: readonly Change[]): string[] {
  const names = new Set<string>();
  for (const c of changes) if (c.by) names.add(describeAttribution(c.by));
  return [...names];
}

export function describeAttribution(by: Attribution): string {
  return by.subresource ? `${by.manager} (${by.operation} ${by.subresource})` : `${by.manager} (${by.operation})`;
}

/** `Deployment qa/backend` */
export function describeRef(ref: ObjectRef): string {
  return `${ref.kind} ${ref.namespace ? `${ref.namespace}/` : ""}${ref.name}`;
}

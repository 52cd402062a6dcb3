// The domain vocabulary shared by every module: what is desired, what is live, and how they differ.
// Shapes here are the outside contract (CONTRACT.md, `check --output json`): change them only with the contract.

/** A Kubernetes object as plain JSON. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: KubeMetadata;
  [field: string]: unknown;
}

export interface KubeMetadata {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  ownerReferences?: Array<{ apiVersion: string; kind: string; name: string; uid: string; controller?: boolean }>;
  managedFields?: ManagedFieldsEntry[];
  [field: string]: unknown;
}

export interface ManagedFieldsEntry {
  manager?: string;
  operation?: "Apply" | "Update" | string;
  apiVersion?: string;
  time?: string;
  fieldsType?: string;
  fieldsV1?: Record<string, unknown>;
  subresource?: string;
}

/** Identity of an object in a cluster. Cluster-scoped objects have no namespace. */
export interface ObjectRef {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
}

/** Where a desired object came from. */
export type SourceInfo =
  | { type: "file"; path: string; document?: number }
  | { type: "hub" | "confighub"; space: string; unit: string; revision: number };

/** One object the hub (or a directory) says should exist, with its provenance. */
export interface DesiredObject {
  ref: ObjectRef;
  object: KubeObject;
  source: SourceInfo;
}

/** A desired document that could not be turned into a DesiredObject (bad YAML, no kind, ...). */
export interface DesiredError {
  source: SourceInfo;
  ref?: Partial<ObjectRef>;
  error: string;
}

export type ChangeType = "changed" | "added" | "removed";
export type Severity = "critical" | "high" | "medium" | "low";
export const SEVERITIES: readonly Severity[] = ["critical", "high", "medium", "low"];

/** Who wrote a field, from managedFields. */
export interface Attribution {
  manager: string;
  operation: string;
  subresource: string;
  time: string | null;
}

/** One field that differs between desired and live. */
export interface Change {
  /** RFC 6901 JSON Pointer; list items by index on the side where the item exists. */
  path: string;
  /** Human form, list items by merge key where they have one: spec.template.spec.containers[name=backend].image */
  field: string;
  type: ChangeType;
  desired?: unknown;
  live?: unknown;
  /** Secret values: desired/live hold "***" plus a short hash, never the value. */
  masked: boolean;
  severity: Severity;
  by: Attribution | null;
}

export interface IgnoredChange {
  path: string;
  reason: string;
}

export type ResourceStatus = "InSync" | "Drifted" | "Missing" | "Error";
export type ComparisonMode = "server" | "client";

/** The verdict for one desired object. */
export interface ResourceResult {
  ref: ObjectRef;
  source: SourceInfo;
  status: ResourceStatus;
  severity: Severity | null;
  changes: Change[];
  ignored: IgnoredChange[];
  error?: string;
}

export interface DetectionSummary {
  resources: number;
  inSync: number;
  drifted: number;
  missing: number;
  errors: number;
}

/** `check --output json` */
export interface DetectionReport {
  apiVersion: "drift-detector/v1";
  mode: ComparisonMode;
  summary: DetectionSummary;
  resources: ResourceResult[];
}

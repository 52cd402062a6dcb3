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

export interface IgnoreRule {
  /** JSON Pointer patterns (`*` one token such as a list index, `**` any number); a path covers everything below it. */
  paths?: string[];
  /** Globs over the manager a change is attributed to (`keda-operator`, `argo*`). */
  managers?: string[];
  /** Which objects the rule is for; absent: all. Kind globs match `Kind` or `group/Kind`. */
  kinds?: string[];
  namespaces?: string[];
  names?: string[];
  /** Label selector over the desired object's labels (all must match). */
  matchLabels?: Record<string, string>;
  /** Shown in the result's `ignored` list. */
  reason?: string;
}

export interface SeverityRule {
  /** Kind name glob (`Role`, `*Binding`); absent: any kind. */
  kind?: string;
  /** JSON Pointer pattern (`*` one token, `**` any); matches the path and everything below it. */
  path: string;
  severity: Severity;
}

/** The subset of an openAPIV3Schema (apiextensions.k8s.io/v1 JSONSchemaProps) the engine reads. */
export interface OpenAPISchema {
  type?: string;
  default?: unknown;
  properties?: Record<string, OpenAPISchema>;
  additionalProperties?: OpenAPISchema | boolean;
  items?: OpenAPISchema;
  "x-kubernetes-list-type"?: string;
  "x-kubernetes-list-map-keys"?: string[];
  "x-kubernetes-preserve-unknown-fields"?: boolean;
}

export interface CompareInput {
  /** As the user wrote it (namespace filled in). */
  desired: DesiredObject;
  /** undefined → status Missing (severity critical). */
  live?: KubeObject;
  /** Server mode only: server-side apply dry-run (force, field manager "drift-detector") of `desired` onto live. */
  serverApplied?: KubeObject;
  /** Server mode only: dry-run create of `desired` under a generated name: what the server defaults on a fresh object. */
  serverDefaulted?: KubeObject;
  /**
   * Server mode without `serverDefaulted`: called when the walk reached a value only live holds, the one place the
   * dry-run create's view can change the verdict. When it is not called, the verdict with that view is the same, so
   * the caller may skip the dry-run create.
   */
  onDefaultsNeeded?: () => void;
  /**
   * The live-only values nobody owned at the object's last observation (see UnownedBaseline). Without it, an
   * unowned value is drift only where it differs from a fixed known default.
   */
  baseline?: UnownedBaseline;
  /** Told this observation's unowned live-only values that are not drift: the next observation's baseline. */
  onUnowned?: (values: Record<string, unknown>) => void;
  /** Related live objects. */
  context: {
    /** The HPAs in the object's namespace (autoscaled replicas are not drift). */
    hpas: KubeObject[];
    /**
     * For a custom resource: the `openAPIV3Schema` of its version from the CRD, so client mode knows the schema's
     * defaults and list keys (server mode gets them from the dry-runs). Optional; without it custom resources are
     * compared generically.
     */
    crdSchema?: OpenAPISchema;
    /**
     * For a built-in kind: its schema as the API server publishes it (OpenAPI v3), whose `default` values and list
     * keys complete the engine's own tables. Optional.
     */
    publishedSchema?: OpenAPISchema;
  };
}

/**
 * What the cluster held, with no owner recorded, where desired declares nothing: by field (the human form, list
 * items by merge key), Secret values masked. A write the cluster records no owner for (`kubectl scale` through
 * /scale of an undeclared field, any write to an object without managedFields) shows as a value that differs.
 */
export interface UnownedBaseline {
  values: Record<string, unknown>;
  /**
   * Observed on the same object (uid) against the same desired object: a value that was not there then appeared
   * since, by a write nobody owns. False after a new delivery, when fields may legitimately come and go.
   */
  sameDelivery: boolean;
}

export interface EngineOptions {
  mode: ComparisonMode;
  /**
   * Field managers whose live-only fields count as drift (globs, `*` wildcard; a leading `!` excludes).
   * Default: IMPERATIVE_MANAGERS (`kubectl*` except `kubectl-client-side-apply`).
   */
  imperativeManagers?: string[];
  /** Global ignore rules (the per-object annotation `drift-detector.io/ignore` adds to them). */
  ignoreRules?: IgnoreRule[];
  /** Severity rules, tried before the defaults; the first match wins. */
  severityRules?: SeverityRule[];
  /** Our own appliers (e.g. confighub, drift-detector): never preferred when naming who changed a field. */
  ownManagers?: string[];
  /** Key for the short hash shown in place of Secret values (keyed so short values cannot be guessed offline). */
  secretHashKey?: string;
}

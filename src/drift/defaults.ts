// Known structure and server defaults of built-in kinds (Kubernetes 1.3x), for client mode and for list matching in
// both modes. Each table lists what the API server fills in when the desired state leaves a field out; a live-only
// value equal to it is not drift, whoever owns it (kubectl create / replace own every defaulted field they sent).
import {
  ALLOCATED,
  atomic,
  dflt,
  fn,
  keyed,
  mapOf,
  obj,
  QUANTITIES,
  QUANTITY,
  type SchemaNode,
  SKIP,
} from "./schema.js";

const LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration";

/** metadata at any depth: labels, annotations, finalizers and owner references are configuration; the rest is the server's. */
export const METADATA: SchemaNode = obj(
  {
    labels: mapOf({}),
    annotations: mapOf({}, { skipKeys: new Set([LAST_APPLIED]) }),
    finalizers: atomic(),
    ownerReferences: keyed(["uid"]),
  },
  { onlyFields: true },
);

const PROBE_HANDLER_HTTP = obj({ scheme: dflt("HTTP") });
const PROBE: SchemaNode = obj({
  httpGet: PROBE_HANDLER_HTTP,
  timeoutSeconds: dflt(1),
  periodSeconds: dflt(10),
  successThreshold: dflt(1),
  failureThreshold: dflt(3),
});
const LIFECYCLE_HANDLER = obj({ httpGet: PROBE_HANDLER_HTTP });

function imagePullPolicy(container: Record<string, unknown>): string {
  const image = typeof container.image === "string" ? container.image : "";
  if (image.includes("@")) return "IfNotPresent";
  const slash = image.lastIndexOf("/");
  const colon = image.lastIndexOf(":");
  const tag = colon > slash ? image.slice(colon + 1) : "";
  return tag === "" || tag === "latest" ? "Always" : "IfNotPresent";
}

const ENV_VAR = obj({
  valueFrom: obj({ fieldRef: obj({ apiVersion: dflt("v1") }) }),
});

const CONTAINER: SchemaNode = obj({
  image: {},
  imagePullPolicy: dflt(fn(imagePullPolicy)),
  terminationMessagePath: dflt("/dev/termination-log"),
  terminationMessagePolicy: dflt("File"),
  command: atomic(),
  args: atomic(),
  ports: keyed(["containerPort", "protocol"], obj({ protocol: dflt("TCP") }), { protocol: "TCP" }),
  env: keyed(["name"], ENV_VAR),
  envFrom: atomic(),
  volumeMounts: keyed(["mountPath"]),
  volumeDevices: keyed(["devicePath"]),
  resources: obj({ requests: QUANTITIES, limits: QUANTITIES, claims: keyed(["name"]) }),
  resizePolicy: atomic(),
  livenessProbe: PROBE,
  readinessProbe: PROBE,
  startupProbe: PROBE,
  lifecycle: obj({ postStart: LIFECYCLE_HANDLER, preStop: LIFECYCLE_HANDLER }),
});

const KEY_TO_PATH_ITEMS = atomic();
const VOLUME: SchemaNode = obj({
  configMap: obj({ defaultMode: dflt(420), items: KEY_TO_PATH_ITEMS }),
  secret: obj({ defaultMode: dflt(420), items: KEY_TO_PATH_ITEMS }),
  projected: obj({ defaultMode: dflt(420), sources: atomic() }),
  downwardAPI: obj({ defaultMode: dflt(420), items: KEY_TO_PATH_ITEMS }),
  emptyDir: obj({ sizeLimit: QUANTITY }),
  hostPath: obj({ type: dflt("") }),
  iscsi: obj({ iscsiInterface: dflt("default") }),
  rbd: obj({ pool: dflt("rbd"), user: dflt("admin"), keyring: dflt("/etc/ceph/keyring") }),
  azureDisk: obj({ cachingMode: dflt("ReadWrite"), fsType: dflt("ext4"), readOnly: dflt(false), kind: dflt("Shared") }),
  scaleIO: obj({ storageMode: dflt("ThinProvisioned"), fsType: dflt("xfs") }),
});

// Pods only (not templates): a container's requests default to its limits, resource by resource.
const POD_CONTAINER: SchemaNode = {
  ...CONTAINER,
  fields: {
    ...CONTAINER.fields,
    resources: obj({
      requests: mapOf(
        dflt(
          fn((_requests, name, resources) => (resources?.limits as Quantities)?.[name]),
          QUANTITY,
        ),
      ),
      limits: QUANTITIES,
      claims: keyed(["name"]),
    }),
  },
};

type Quantities = Record<string, unknown> | undefined;

export const POD_SPEC: SchemaNode = obj({
  containers: keyed(["name"], CONTAINER),
  initContainers: keyed(["name"], CONTAINER),
  ephemeralContainers: keyed(["name"], CONTAINER),
  volumes: keyed(["name"], VOLUME),
  imagePullSecrets: keyed(["name"]),
  tolerations: atomic(),
  hostAliases: keyed(["ip"]),
  topologySpreadConstraints: keyed(["topologyKey", "whenUnsatisfiable"]),
  readinessGates: atomic(),
  resourceClaims: keyed(["name"]),
  schedulingGates: keyed(["name"]),
  overhead: QUANTITIES,
  resources: obj({ requests: QUANTITIES, limits: QUANTITIES }),
  restartPolicy: dflt("Always"),
  terminationGracePeriodSeconds: dflt(30),
  dnsPolicy: dflt("ClusterFirst"),
  securityContext: {},
  schedulerName: dflt("default-scheduler"),
  enableServiceLinks: dflt(true),
  // Pods only (admission and scheduler); templates never carry them.
  serviceAccountName: {},
  nodeName: ALLOCATED,
  priority: ALLOCATED,
  preemptionPolicy: dflt("PreemptLowerPriority"),
});

const POD_TEMPLATE: SchemaNode = obj({ metadata: METADATA, spec: POD_SPEC });

const LABEL_SELECTOR: SchemaNode = obj({ matchLabels: mapOf({}), matchExpressions: atomic() });

const ROLLING_25 = obj({ maxSurge: dflt("25%"), maxUnavailable: dflt("25%") });

const DEPLOYMENT_SPEC = obj({
  replicas: dflt(1),
  selector: LABEL_SELECTOR,
  template: POD_TEMPLATE,
  strategy: obj({ type: dflt("RollingUpdate"), rollingUpdate: ROLLING_25 }),
  revisionHistoryLimit: dflt(10),
  progressDeadlineSeconds: dflt(600),
});

const PVC_SPEC: SchemaNode = obj({
  resources: obj({ requests: QUANTITIES, limits: QUANTITIES }),
  volumeMode: dflt("Filesystem"),
  // A default StorageClass (admission) and the binding (controller) fill these.
  storageClassName: ALLOCATED,
  volumeName: ALLOCATED,
  accessModes: atomic(),
});

const STATEFULSET_SPEC = obj({
  replicas: dflt(1),
  selector: LABEL_SELECTOR,
  template: POD_TEMPLATE,
  podManagementPolicy: dflt("OrderedReady"),
  revisionHistoryLimit: dflt(10),
  updateStrategy: obj({ type: dflt("RollingUpdate"), rollingUpdate: obj({ partition: dflt(0) }) }),
  persistentVolumeClaimRetentionPolicy: obj({ whenDeleted: dflt("Retain"), whenScaled: dflt("Retain") }),
  volumeClaimTemplates: {
    listKey: { fields: ["metadata.name"] },
    item: obj({
      apiVersion: dflt("v1"),
      kind: dflt("PersistentVolumeClaim"),
      metadata: METADATA,
      spec: PVC_SPEC,
      status: SKIP,
    }),
  },
});

const DAEMONSET_SPEC = obj({
  selector: LABEL_SELECTOR,
  template: POD_TEMPLATE,
  revisionHistoryLimit: dflt(10),
  updateStrategy: obj({
    type: dflt("RollingUpdate"),
    rollingUpdate: obj({ maxUnavailable: dflt(1), maxSurge: dflt(0) }),
  }),
});

const REPLICASET_SPEC = obj({ replicas: dflt(1), selector: LABEL_SELECTOR, template: POD_TEMPLATE });

// The Job controller's generated selector and pod labels are the server's, not configuration.
const JOB_LABELS = new Set([
  "controller-uid",
  "job-name",
  "batch.kubernetes.io/controller-uid",
  "batch.kubernetes.io/job-name",
]);
const JOB_TEMPLATE_METADATA: SchemaNode = {
  ...METADATA,
  fields: { ...METADATA.fields, labels: mapOf({}, { allocatedKeys: JOB_LABELS }) },
};
const JOB_SPEC = obj({
  parallelism: dflt(1),
  completions: dflt(1),
  backoffLimit: dflt(6),
  completionMode: dflt("NonIndexed"),
  suspend: dflt(false),
  manualSelector: dflt(false),
  podReplacementPolicy: dflt("TerminatingOrFailed"),
  selector: ALLOCATED,
  template: obj({ metadata: JOB_TEMPLATE_METADATA, spec: POD_SPEC }),
  podFailurePolicy: obj({ rules: atomic() }),
});

const CRONJOB_SPEC = obj({
  concurrencyPolicy: dflt("Allow"),
  suspend: dflt(false),
  successfulJobsHistoryLimit: dflt(3),
  failedJobsHistoryLimit: dflt(1),
  jobTemplate: obj({ metadata: METADATA, spec: JOB_SPEC }),
});

const SERVICE_PORT = obj({
  protocol: dflt("TCP"),
  targetPort: dflt(fn((port) => port.port)),
  nodePort: ALLOCATED,
});
const SERVICE_SPEC = obj({
  ports: keyed(["port", "protocol"], SERVICE_PORT, { protocol: "TCP" }),
  selector: mapOf({}),
  type: dflt("ClusterIP"),
  sessionAffinity: dflt("None"),
  clusterIP: ALLOCATED,
  clusterIPs: ALLOCATED,
  ipFamilies: ALLOCATED,
  ipFamilyPolicy: ALLOCATED,
  healthCheckNodePort: ALLOCATED,
  internalTrafficPolicy: dflt("Cluster"),
  externalTrafficPolicy: dflt("Cluster"),
  allocateLoadBalancerNodePorts: dflt(true),
  externalIPs: atomic(),
  loadBalancerSourceRanges: atomic(),
});

const NETWORK_POLICY_PORT = obj({ protocol: dflt("TCP") });
const NETWORK_POLICY_SPEC = obj({
  podSelector: LABEL_SELECTOR,
  policyTypes: dflt(
    fn((spec) => (Array.isArray(spec.egress) && spec.egress.length > 0 ? ["Ingress", "Egress"] : ["Ingress"])),
  ),
  ingress: atomic(obj({ ports: atomic(NETWORK_POLICY_PORT), from: atomic() })),
  egress: atomic(obj({ ports: atomic(NETWORK_POLICY_PORT), to: atomic() })),
});

const RBAC_SUBJECT = obj({
  apiGroup: dflt(fn((s) => (s.kind === "ServiceAccount" ? "" : "rbac.authorization.k8s.io"))),
});
const ROLE_RULES = atomic(obj({ verbs: atomic(), apiGroups: atomic(), resources: atomic() }));

// For containers, default limits come from max, default requests from the default limits, then from min.
const containerItem = (item: Record<string, unknown>) => item.type === "Container";
const effectiveDefault = (item: Record<string, unknown>) => ({
  ...(item.max as Quantities),
  ...(item.default as Quantities),
});
const LIMIT_RANGE_ITEM = obj({
  max: QUANTITIES,
  min: QUANTITIES,
  default: { ...QUANTITIES, dflt: fn((item) => (containerItem(item) ? effectiveDefault(item) : undefined)) },
  defaultRequest: {
    ...QUANTITIES,
    dflt: fn((item) => (containerItem(item) ? { ...(item.min as Quantities), ...effectiveDefault(item) } : undefined)),
  },
  maxLimitRequestRatio: QUANTITIES,
});

const HPA_SPEC = obj({
  minReplicas: dflt(1),
  metrics: atomic(),
});

const CRD_SPEC = obj({
  names: obj({ listKind: dflt(fn((names) => `${String(names.kind)}List`)) }),
  conversion: obj({ strategy: dflt("None") }),
  versions: keyed(["name"]),
});

/** Root schemas by `group/Kind` (core group: `/Kind`). */
const KINDS: Record<string, Record<string, SchemaNode>> = {
  "apps/Deployment": { spec: DEPLOYMENT_SPEC },
  "apps/StatefulSet": { spec: STATEFULSET_SPEC },
  "apps/DaemonSet": { spec: DAEMONSET_SPEC },
  "apps/ReplicaSet": { spec: REPLICASET_SPEC },
  "batch/Job": { spec: JOB_SPEC },
  "batch/CronJob": { spec: CRONJOB_SPEC },
  "/Pod": {
    spec: {
      ...POD_SPEC,
      fields: {
        ...POD_SPEC.fields,
        containers: keyed(["name"], POD_CONTAINER),
        initContainers: keyed(["name"], POD_CONTAINER),
      },
    },
  },
  "/PodTemplate": { template: POD_TEMPLATE },
  "/ReplicationController": { spec: REPLICASET_SPEC },
  "/Service": { spec: SERVICE_SPEC },
  "/ConfigMap": { data: mapOf({}), binaryData: mapOf({}) },
  "/Secret": { data: mapOf({}), type: dflt("Opaque") },
  "/PersistentVolumeClaim": { spec: PVC_SPEC },
  "/ResourceQuota": { spec: obj({ hard: QUANTITIES }) },
  "/LimitRange": { spec: obj({ limits: atomic(LIMIT_RANGE_ITEM) }) },
  "/ServiceAccount": { secrets: keyed(["name"]), imagePullSecrets: keyed(["name"]) },
  "/Namespace": {
    spec: obj({ finalizers: ALLOCATED }),
  },
  "networking.k8s.io/Ingress": {
    spec: obj({ ingressClassName: ALLOCATED, rules: atomic(), tls: atomic() }),
  },
  "networking.k8s.io/NetworkPolicy": { spec: NETWORK_POLICY_SPEC },
  "policy/PodDisruptionBudget": { spec: obj({ selector: LABEL_SELECTOR }) },
  "autoscaling/HorizontalPodAutoscaler": { spec: HPA_SPEC },
  "rbac.authorization.k8s.io/Role": { rules: ROLE_RULES },
  "rbac.authorization.k8s.io/ClusterRole": {
    rules: ROLE_RULES,
    aggregationRule: obj({ clusterRoleSelectors: atomic() }),
  },
  "rbac.authorization.k8s.io/RoleBinding": { subjects: atomic(RBAC_SUBJECT), roleRef: {} },
  "rbac.authorization.k8s.io/ClusterRoleBinding": { subjects: atomic(RBAC_SUBJECT), roleRef: {} },
  "apiextensions.k8s.io/CustomResourceDefinition": { spec: CRD_SPEC },
};

const GENERIC_ROOT_FIELDS: Record<string, SchemaNode> = {
  apiVersion: SKIP,
  kind: SKIP,
  metadata: METADATA,
  status: SKIP,
};

// The DaemonSet strategy stamps its template generation at create; `kubectl create` then owns it.
const DAEMONSET_METADATA: SchemaNode = {
  ...METADATA,
  fields: {
    ...METADATA.fields,
    annotations: mapOf(
      {},
      {
        skipKeys: new Set([LAST_APPLIED]),
        allocatedKeys: new Set(["deprecated.daemonset.template.generation"]),
      },
    ),
  },
};

// Namespaces get a label naming themselves.
const NAMESPACE_METADATA: SchemaNode = {
  ...METADATA,
  fields: { ...METADATA.fields, labels: mapOf({}, { allocatedKeys: new Set(["kubernetes.io/metadata.name"]) }) },
};

const ROOTS = new Map<string, SchemaNode>();
for (const [key, fields] of Object.entries(KINDS)) ROOTS.set(key, obj({ ...GENERIC_ROOT_FIELDS, ...fields }));
ROOTS.set("apps/DaemonSet", obj({ ...GENERIC_ROOT_FIELDS, ...KINDS["apps/DaemonSet"], metadata: DAEMONSET_METADATA }));
ROOTS.set("/Namespace", obj({ ...GENERIC_ROOT_FIELDS, ...KINDS["/Namespace"], metadata: NAMESPACE_METADATA }));
const GENERIC_ROOT = obj(GENERIC_ROOT_FIELDS);

/** The group of an apiVersion: `apps/v1` → `apps`, `v1` → `` (core). */
export function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf("/");
  return slash < 0 ? "" : apiVersion.slice(0, slash);
}

/** The root schema for a kind; kinds we do not know (custom resources) get generic metadata/status rules only. */
export function schemaFor(apiVersion: string, kind: string): SchemaNode {
  return ROOTS.get(`${groupOf(apiVersion)}/${kind}`) ?? GENERIC_ROOT;
}

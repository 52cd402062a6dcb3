// The least-privilege RBAC of a detector watching a set of DesiredObjects: read on exactly the kinds they hold
// (namespaced Roles where they are namespaced), Secrets by name only, plus what the detector itself uses (CRD
// schemas, HPAs, Events, its Lease). Pure: kinds come resolved (plural, scope) from discovery.
import type { KubeObject } from "../drift/types.js";

export interface RbacTarget {
  group: string;
  plural: string;
  namespaced: boolean;
  /** Set for namespaced targets. */
  namespace?: string;
  name: string;
}

export interface RbacOptions {
  mode: "client" | "server";
  /** Name of every Role, ClusterRole and binding. */
  name: string;
  /** Where the detector runs: its Lease lives there. */
  leaseNamespace: string;
  leaseName: string;
  /**
   * Replicas share shards (DRIFT_SHARDING): member and shard Leases come and go under names not known in advance,
   * so the Lease rule cannot name them — list, get, update, delete of any Lease in the detector's own namespace.
   */
  sharding?: boolean;
  /** DRIFT_IDENTITY=admission: the detector registers its ValidatingWebhookConfiguration. */
  identity?: boolean;
  /** Bind the roles to this ServiceAccount; without it only the roles are printed. */
  serviceAccount?: { namespace: string; name: string };
}

interface Rule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  resourceNames?: string[];
}

const READ = ["get", "list", "watch"];
const ADMISSION = "admissionregistration.k8s.io";
/** Its own ValidatingWebhookConfiguration (src/identity/webhook-config.ts): `create` cannot be limited by name. */
const IDENTITY_RULES: Rule[] = [
  { apiGroups: [ADMISSION], resources: ["validatingwebhookconfigurations"], verbs: ["create"] },
  {
    apiGroups: [ADMISSION],
    resources: ["validatingwebhookconfigurations"],
    verbs: ["get", "patch", "update"],
    resourceNames: ["drift-detector-identity"],
  },
];
const RBAC = "rbac.authorization.k8s.io";

/** Roles (and bindings with a ServiceAccount) in apply order: ClusterRole first, then one Role per namespace. */
export function rbacFor(targets: RbacTarget[], opts: RbacOptions): KubeObject[] {
  const clusterWide = targets.filter((t) => !t.namespaced);
  const byNamespace = new Map<string, RbacTarget[]>();
  for (const t of targets.filter((t) => t.namespaced)) {
    const ns = t.namespace ?? "default";
    byNamespace.set(ns, [...(byNamespace.get(ns) ?? []), t]);
  }
  // Events of a cluster-scoped object are written to `default` (src/detector/reporters/kube-event.ts).
  if (clusterWide.length > 0 && !byNamespace.has("default")) byNamespace.set("default", []);

  const clusterRules: Rule[] = [
    ...kindRules(clusterWide, opts.mode),
    { apiGroups: ["apiextensions.k8s.io"], resources: ["customresourcedefinitions"], verbs: READ },
    ...(opts.identity ? IDENTITY_RULES : []),
  ];
  const out: KubeObject[] = [role("ClusterRole", opts.name, undefined, clusterRules)];
  const namespaces = [...byNamespace.keys()].sort();
  for (const ns of namespaces) {
    const rules: Rule[] = [
      ...kindRules(byNamespace.get(ns) ?? [], opts.mode),
      { apiGroups: ["autoscaling"], resources: ["horizontalpodautoscalers"], verbs: READ },
      { apiGroups: [""], resources: ["events"], verbs: ["create"] },
    ];
    out.push(role("Role", opts.name, ns, rules));
  }
  // The Lease: `create` cannot be limited by name (the object does not exist yet); the rest can.
  const lease = `${opts.name}-leader-election`;
  out.push(
    role("Role", lease, opts.leaseNamespace, [
      { apiGroups: ["coordination.k8s.io"], resources: ["leases"], verbs: ["create"] },
      opts.sharding
        ? { apiGroups: ["coordination.k8s.io"], resources: ["leases"], verbs: ["get", "list", "update", "delete"] }
        : {
            apiGroups: ["coordination.k8s.io"],
            resources: ["leases"],
            verbs: ["get", "update"],
            resourceNames: [opts.leaseName],
          },
    ]),
  );
  const sa = opts.serviceAccount;
  if (!sa) return out;
  const subjects = [{ kind: "ServiceAccount", name: sa.name, namespace: sa.namespace }];
  const bindings = out.map((r) => ({
    apiVersion: `${RBAC}/v1`,
    kind: r.kind === "ClusterRole" ? "ClusterRoleBinding" : "RoleBinding",
    metadata: { ...r.metadata },
    roleRef: { apiGroup: RBAC, kind: r.kind, name: r.metadata.name },
    subjects,
  }));
  return [...out, ...bindings] as KubeObject[];
}

/** Read on the kinds (grouped by API group); Secrets by name only; server mode adds the dry-run's write verbs. */
function kindRules(targets: RbacTarget[], mode: RbacOptions["mode"]): Rule[] {
  const verbs = mode === "server" ? [...READ, "create", "patch"] : READ;
  const groups = new Map<string, Set<string>>();
  const secrets = new Set<string>();
  for (const t of targets) {
    if (t.group === "" && t.plural === "secrets") secrets.add(t.name);
    else groups.set(t.group, (groups.get(t.group) ?? new Set()).add(t.plural));
  }
  const rules: Rule[] = [...groups.keys()]
    .sort()
    .map((g) => ({ apiGroups: [g], resources: [...(groups.get(g) ?? [])].sort(), verbs }));
  // Server mode's dry-run create of a Secret cannot be limited by name; read and patch can.
  if (secrets.size > 0) {
    const secretVerbs = mode === "server" ? [...READ, "patch"] : READ;
    rules.push({ apiGroups: [""], resources: ["secrets"], verbs: secretVerbs, resourceNames: [...secrets].sort() });
  }
  return rules;
}

function role(kind: "Role" | "ClusterRole", name: string, namespace: string | undefined, rules: Rule[]): KubeObject {
  return {
    apiVersion: `${RBAC}/v1`,
    kind,
    metadata: namespace ? { name, namespace } : { name },
    rules,
  } as unknown as KubeObject;
}

/** The kinds a set of targets needs `patch` on (for the SelfSubjectAccessReview of `auto` mode). */
export function patchTargets(targets: RbacTarget[]): Array<{ group: string; resource: string; namespace?: string }> {
  const seen = new Map<string, { group: string; resource: string; namespace?: string }>();
  for (const t of targets) {
    const key = `${t.group}|${t.plural}|${t.namespaced ? (t.namespace ?? "default") : ""}`;
    if (!seen.has(key)) {
      seen.set(key, {
        group: t.group,
        resource: t.plural,
        ...(t.namespaced ? { namespace: t.namespace ?? "default" } : {}),
      });
    }
  }
  return [...seen.values()];
}

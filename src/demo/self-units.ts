import type { KubeObject } from "../drift/types.js";

// The drift-detector's own manifests (a rendered deploy/ overlay) as hub units, grouped the way people change them:
// the namespace, its access rights, the workload, and its monitoring (which needs the Prometheus Operator's CRDs).

export const SELF_UNIT_OF_KIND: Record<string, string> = {
  Namespace: "namespace",
  ServiceAccount: "rbac",
  ClusterRole: "rbac",
  ClusterRoleBinding: "rbac",
  Role: "rbac",
  RoleBinding: "rbac",
  Deployment: "drift-detector",
  Service: "drift-detector",
  PersistentVolumeClaim: "drift-detector",
  PodDisruptionBudget: "drift-detector",
  ServiceMonitor: "monitoring",
};

/** Unit order: what must exist first comes first (apply goes in this order). */
export const SELF_UNITS = ["namespace", "rbac", "drift-detector", "monitoring"];

/** Groups objects into units by kind; a kind with no unit of its own goes with the workload. */
export function groupSelfUnits(objects: KubeObject[]): Map<string, KubeObject[]> {
  const units = new Map<string, KubeObject[]>(SELF_UNITS.map((u) => [u, []]));
  for (const o of objects) units.get(SELF_UNIT_OF_KIND[o.kind] ?? "drift-detector")?.push(o);
  for (const [slug, list] of units) if (list.length === 0) units.delete(slug);
  return units;
}

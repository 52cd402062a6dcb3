// Replicas of a workload under a HorizontalPodAutoscaler belong to the autoscaler, not to the desired state.
import { groupOf } from "./defaults.js";
import type { KubeObject } from "./types.js";

/** Built-in kinds (`group/Kind`, core group empty) with a scale subresource: whose `spec.replicas` an HPA may own. */
export const SCALABLE_KINDS: ReadonlySet<string> = new Set([
  "apps/Deployment",
  "apps/StatefulSet",
  "apps/ReplicaSet",
  "/ReplicationController",
]);

/** The HPA (in the same namespace) whose scaleTargetRef names this workload, if any. */
export function autoscalerOf(workload: KubeObject, hpas: readonly KubeObject[]): KubeObject | undefined {
  const ns = workload.metadata.namespace;
  const group = groupOf(workload.apiVersion);
  for (const hpa of hpas) {
    if ((hpa.metadata?.namespace ?? ns) !== ns) continue;
    const ref = (hpa.spec as { scaleTargetRef?: { apiVersion?: string; kind?: string; name?: string } } | undefined)
      ?.scaleTargetRef;
    if (ref === undefined || ref.kind !== workload.kind || ref.name !== workload.metadata.name) continue;
    if (ref.apiVersion !== undefined && groupOf(ref.apiVersion) !== group) continue;
    return hpa;
  }
  return undefined;
}

// Sorts a drift into the classes operators recognise. A resource takes the class of its most serious change;
// the order of DRIFT_CLASSES is that seriousness.
import type { Change, ObjectRef, ResourceResult } from "../../drift/types.js";

export const DRIFT_CLASSES = [
  "deleted-object",
  "privilege-escalation",
  "rbac-widening",
  "secret-rotation",
  "service-routing",
  "image-change",
  "limits-removed",
  "env-config-edit",
  "manual-scale",
  "resources-edit",
  "label-annotation-edit",
  "generic",
] as const;
export type DriftClass = (typeof DRIFT_CLASSES)[number];

const PRIVILEGE =
  /\/securityContext(\/|$)|\/privileged$|\/hostNetwork$|\/hostPID$|\/hostIPC$|\/hostPath(\/|$)|\/hostPort$|\/allowPrivilegeEscalation$|\/capabilities(\/|$)|\/runAsUser$|\/runAsNonRoot$|\/automountServiceAccountToken$|\/serviceAccountName$|\/serviceAccount$/;
const ROLE_KINDS = new Set(["Role", "ClusterRole"]);
const BINDING_KINDS = new Set(["RoleBinding", "ClusterRoleBinding"]);

export function classifyChange(change: Change, ref: ObjectRef): DriftClass {
  const p = change.path;
  if (PRIVILEGE.test(p)) return "privilege-escalation";
  if (ROLE_KINDS.has(ref.kind) && /^\/(rules|aggregationRule)(\/|$)/.test(p)) return "rbac-widening";
  if (BINDING_KINDS.has(ref.kind) && /^\/(subjects|roleRef)(\/|$)/.test(p)) return "rbac-widening";
  if (ref.kind === "Secret" && (/^\/(data|stringData)(\/|$)/.test(p) || change.masked)) return "secret-rotation";
  if (change.masked) return "secret-rotation";
  if (ref.kind === "Service" && /^\/spec\/(ports|selector|type|externalName)(\/|$)/.test(p)) return "service-routing";
  if (/\/(initContainers|containers)\/\d+\/image$/.test(p) || /\/(initContainers|containers)\/\d+$/.test(p))
    return "image-change";
  if (/\/containers\/\d+\/resources(\/|$)/.test(p)) {
    // limits (or the whole resources block) taken away: the container may now starve its neighbours
    return change.type === "removed" && !/\/requests(\/|$)/.test(p) ? "limits-removed" : "resources-edit";
  }
  if (/\/(env|envFrom|args|command)(\/|$)/.test(p)) return "env-config-edit";
  if (ref.kind === "ConfigMap" && /^\/(data|binaryData)(\/|$)/.test(p)) return "env-config-edit";
  if (p === "/spec/replicas") return "manual-scale";
  if (/^\/metadata\/(labels|annotations)(\/|$)/.test(p)) return "label-annotation-edit";
  return "generic";
}

export interface Classification {
  /** The class that decides the verdict. */
  main: DriftClass;
  /** The changes of that class (empty for a Missing object). */
  mainChanges: Change[];
  /** Every class present, most serious first. */
  all: DriftClass[];
}

export function classify(result: ResourceResult): Classification {
  if (result.status === "Missing") return { main: "deleted-object", mainChanges: [], all: ["deleted-object"] };
  const byClass = new Map<DriftClass, Change[]>();
  for (const c of result.changes) {
    const cls = classifyChange(c, result.ref);
    byClass.set(cls, [...(byClass.get(cls) ?? []), c]);
  }
  const all = DRIFT_CLASSES.filter((c) => byClass.has(c));
  const main = all[0] ?? "generic";
  return { main, mainChanges: byClass.get(main) ?? [], all };
}

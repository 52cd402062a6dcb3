// DesiredObjects → RbacTargets: each kind resolved by discovery (plural and scope), namespaced objects without a
// namespace defaulted the way detection defaults them. Kinds the cluster does not serve are returned apart.
import type { DesiredObject } from "../drift/types.js";
import type { Discovery } from "../kube/discovery.js";
import { UnknownKindError } from "../kube/errors.js";
import type { RbacTarget } from "./rules.js";

export async function rbacTargets(
  objects: DesiredObject[],
  discovery: Discovery,
  fallbackNamespace: string,
): Promise<{ targets: RbacTarget[]; unknown: string[] }> {
  const targets: RbacTarget[] = [];
  const unknown = new Set<string>();
  for (const { ref } of objects) {
    try {
      const info = await discovery.resolve(ref.apiVersion, ref.kind);
      targets.push({
        group: info.group,
        plural: info.plural,
        namespaced: info.namespaced,
        ...(info.namespaced ? { namespace: ref.namespace ?? fallbackNamespace } : {}),
        name: ref.name,
      });
    } catch (err) {
      if (!(err instanceof UnknownKindError)) throw err;
      unknown.add(`${ref.apiVersion} ${ref.kind}`);
    }
  }
  return { targets, unknown: [...unknown].sort() };
}

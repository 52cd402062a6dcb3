import type { HubApi } from "../hub/api.js";
import { applySpaceUnits } from "../hub/apply.js";
import { loadCluster } from "../kube/cluster.js";

// Delivery of a space to the sandbox with the hub's own apply (`hub unit apply --space S`: server-side apply as
// field manager confighub, the revision recorded as applied), the units that others depend on (the namespace)
// first.

export async function applySpace(
  hub: HubApi,
  space: string,
  opts: { kubeconfig: string; first?: string[]; only?: string[] },
): Promise<{ units: number; objects: number }> {
  const cluster = loadCluster({ kubeconfig: opts.kubeconfig });
  const present = new Set(
    (await hub.listUnits(space)).map((u) => u.Unit.Slug).filter((u) => !opts.only || opts.only.includes(u)),
  );
  const first = (opts.first ?? []).filter((u) => present.has(u));
  const rest = [...present].filter((u) => !first.includes(u));
  const results = [];
  for (const units of [first, rest]) {
    if (units.length > 0) results.push(...(await applySpaceUnits(hub, cluster, space, { units })));
  }
  const failed = results.filter((r) => r.error);
  if (failed.length > 0) throw new Error(`apply of ${space}: ${failed.map((r) => `${r.unit}: ${r.error}`).join("; ")}`);
  return { units: results.length, objects: results.reduce((n, r) => n + r.applied.length, 0) };
}

import { createHash } from "node:crypto";
import type { KubeObject, ObjectRef } from "../drift/types.js";
import type { Cluster } from "../kube/cluster.js";
import { Discovery } from "../kube/discovery.js";
import { errorMessage } from "../kube/errors.js";
import { applyObject, deleteObject, getObject } from "../kube/objects.js";
import type { HubApi } from "./api.js";
import { parseUnitData } from "./data.js";
import type { Unit } from "./types.js";

// `unit apply` (our extension; ConfigHub's current generation delivers through releases): server-side apply of each
// unit's head revision with field manager `confighub`, every object labelled with the space and unit it came from,
// then the revision recorded as LastAppliedRevisionNum. Objects the previously applied revision had and the new one
// lacks are deleted (pruned) — only when they still carry this unit's labels, so nothing we did not apply goes.
// A unit with any failing object records nothing; other units go on.

export const FIELD_MANAGER = "confighub";
export const SPACE_LABEL = "confighub.com/SpaceSlug";
export const UNIT_LABEL = "confighub.com/UnitSlug";

export interface UnitApplyResult {
  space: string;
  unit: string;
  revision: number;
  applied: ObjectRef[];
  pruned: ObjectRef[];
  /** Why the unit (or one of its objects) failed; its revision was then not recorded as applied. */
  error: string | null;
}

export interface ApplyOptions {
  /** Only these unit slugs (default: every unit of the space, or the where's). */
  units?: string[];
  where?: string;
  /** Server-side dry run: nothing persisted, nothing recorded. */
  dryRun?: boolean;
  prune?: boolean;
  /** For namespaced objects that name none (default: the context's namespace, then `default`). */
  namespace?: string;
}

/** Label values are at most 63 characters; longer slugs keep a readable prefix and a hash. */
export function labelValue(slug: string): string {
  if (slug.length <= 63) return slug;
  return `${slug.slice(0, 50)}-${createHash("sha256").update(slug).digest("hex").slice(0, 12)}`;
}

const refOf = (o: KubeObject): ObjectRef => ({
  apiVersion: o.apiVersion,
  kind: o.kind,
  namespace: o.metadata.namespace,
  name: o.metadata.name,
});
const keyOf = (r: ObjectRef) =>
  `${r.apiVersion.split("/").length > 1 ? r.apiVersion.split("/")[0] : ""}/${r.kind}/${r.namespace ?? ""}/${r.name}`;

// Namespaces and CRDs before what lives in them or uses them.
const ORDER: Record<string, number> = { Namespace: 0, CustomResourceDefinition: 1 };
const rank = (o: KubeObject) => ORDER[o.kind] ?? 2;

export async function applySpaceUnits(
  api: HubApi,
  cluster: Cluster,
  space: string,
  opts: ApplyOptions = {},
): Promise<UnitApplyResult[]> {
  const sp = await api.getSpace(space);
  let units = (await api.listUnits(sp.SpaceID, opts.where)).map((i) => i.Unit);
  if (opts.units?.length) {
    const missing = opts.units.filter((u) => !units.some((x) => x.Slug === u));
    if (missing.length) throw new Error(`no unit ${missing.join(", ")} in space ${sp.Slug}`);
    units = units.filter((u) => opts.units?.includes(u.Slug));
  }
  const discovery = new Discovery(cluster.client);
  const results: UnitApplyResult[] = [];
  const namespace = opts.namespace ?? cluster.namespace ?? "default";
  for (const unit of units)
    results.push(await applyUnit(api, cluster, discovery, sp.Slug, unit, { ...opts, namespace }));
  return results;
}

async function applyUnit(
  api: HubApi,
  cluster: Cluster,
  discovery: Discovery,
  space: string,
  unit: Unit,
  opts: ApplyOptions,
): Promise<UnitApplyResult> {
  const revision = unit.HeadRevisionNum;
  const result: UnitApplyResult = { space, unit: unit.Slug, revision, applied: [], pruned: [], error: null };
  const fail = (msg: string) => {
    result.error = msg;
    return result;
  };
  let objects: KubeObject[];
  try {
    // Exactly the revision that will be recorded, even if someone writes a newer one meanwhile.
    objects = parseUnitData(await api.getRevisionData(space, unit.Slug, revision));
  } catch (err) {
    return fail((err as Error).message);
  }
  const labels = { [SPACE_LABEL]: labelValue(space), [UNIT_LABEL]: labelValue(unit.Slug) };
  const errors: string[] = [];
  for (const obj of [...objects].sort((a, b) => rank(a) - rank(b))) {
    let ref = refOf(obj);
    try {
      const info = await discovery.resolve(obj.apiVersion, obj.kind);
      const namespace = info.namespaced ? (obj.metadata.namespace ?? opts.namespace) : undefined;
      ref = { ...ref, namespace };
      const metadata = { ...obj.metadata, labels: { ...obj.metadata.labels, ...labels } };
      if (namespace) metadata.namespace = namespace;
      else delete metadata.namespace;
      const labelled = { ...obj, metadata } as KubeObject;
      await applyObject(cluster.client, info, labelled, {
        fieldManager: FIELD_MANAGER,
        force: true,
        dryRun: opts.dryRun,
      });
      if (obj.kind === "CustomResourceDefinition") discovery.invalidate();
      result.applied.push(ref);
    } catch (err) {
      errors.push(`${ref.kind} ${ref.namespace ? `${ref.namespace}/` : ""}${ref.name}: ${errorMessage(err)}`);
    }
  }
  if (errors.length) return fail(errors.join("; "));
  if (opts.prune !== false && unit.LastAppliedRevisionNum > 0 && unit.LastAppliedRevisionNum !== revision) {
    try {
      result.pruned = await prune(api, cluster, discovery, space, unit, objects, labels, opts);
    } catch (err) {
      return fail(`prune: ${(err as Error).message}`);
    }
  }
  if (opts.dryRun) return result;
  try {
    await api.markDelivered(space, unit.Slug, "applied", revision);
  } catch (err) {
    return fail(`applied, but recording revision ${revision} failed: ${(err as Error).message}`);
  }
  return result;
}

async function prune(
  api: HubApi,
  cluster: Cluster,
  discovery: Discovery,
  space: string,
  unit: Unit,
  current: KubeObject[],
  labels: Record<string, string>,
  opts: ApplyOptions,
): Promise<ObjectRef[]> {
  const keep = new Set(current.map((o) => keyOf(refOf(o))));
  let previous: KubeObject[];
  try {
    previous = parseUnitData(await api.getRevisionData(space, unit.Slug, unit.LastAppliedRevisionNum));
  } catch {
    return []; // the old revision is unreadable: prune nothing rather than guess
  }
  const pruned: ObjectRef[] = [];
  for (const old of previous.sort((a, b) => rank(b) - rank(a))) {
    const ref = refOf(old);
    if (keep.has(keyOf(ref))) continue;
    const info = await discovery.resolve(ref.apiVersion, ref.kind).catch(() => undefined);
    if (!info) continue;
    ref.namespace = info.namespaced ? (ref.namespace ?? opts.namespace) : undefined;
    const live = await getObject(cluster.client, info, ref.namespace, ref.name);
    const l = live?.metadata.labels ?? {};
    if (!live || l[SPACE_LABEL] !== labels[SPACE_LABEL] || l[UNIT_LABEL] !== labels[UNIT_LABEL]) continue;
    if (!opts.dryRun) await deleteObject(cluster.client, info, ref.namespace, ref.name);
    pruned.push(ref);
  }
  return pruned;
}

import { createHash } from "node:crypto";
import type { KubeObject, ObjectRef } from "../drift/types.js";
import type { Cluster } from "../kube/cluster.js";
import { awaitCrds, CRD_INFO, servedKinds } from "../kube/crd-readiness.js";
import { Discovery } from "../kube/discovery.js";
import { UnknownKindError } from "../kube/errors.js";
import { applyObject, deleteObject, getObject } from "../kube/objects.js";
import { errorMessage } from "../lib/errors.js";
import type { HubApi } from "./api.js";
import { parseUnitData } from "./data.js";
import type { Unit } from "./types.js";

// `unit apply` (our extension; ConfigHub's current generation delivers through releases): server-side apply of each
// unit's head revision with field manager `confighub`, every object labelled with the space and unit it came from,
// then the revision recorded as LastAppliedRevisionNum. Objects the previously applied revision had and the new one
// lacks are deleted (pruned) — only when they still carry this unit's labels, so nothing we did not apply goes.
// Foundations first, across all units of the apply: Namespaces and CustomResourceDefinitions, then a wait until the
// CRDs are Established and discovery serves their kinds, then everything else — so a custom resource may sit in the
// same unit as its CRD, or in any other unit of the apply. A unit with any failing object records nothing; its other
// objects and the other units go on.

export const FIELD_MANAGER = "confighub";
export const SPACE_LABEL = "confighub.com/SpaceSlug";
export const UNIT_LABEL = "confighub.com/UnitSlug";
export const DEFAULT_CRD_TIMEOUT_MS = 60_000;

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
  /** How long to wait for applied CRDs to become Established (default 60 s). */
  crdTimeoutMs?: number;
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
const groupOf = (apiVersion: string) => (apiVersion.includes("/") ? apiVersion.split("/")[0] : "");
const keyOf = (r: ObjectRef) => `${groupOf(r.apiVersion)}/${r.kind}/${r.namespace ?? ""}/${r.name}`;
const describeRef = (r: ObjectRef) => `${r.kind} ${r.namespace ? `${r.namespace}/` : ""}${r.name}`;

// Namespaces and CRDs before what lives in them or uses them.
const ORDER: Record<string, number> = { Namespace: 0, CustomResourceDefinition: 1 };
const rank = (o: KubeObject) => ORDER[o.kind] ?? 2;
const isFoundation = (o: KubeObject) => rank(o) < 2;
const isCrd = (o: KubeObject) => o.kind === "CustomResourceDefinition" && groupOf(o.apiVersion) === CRD_INFO.group;

/** One unit on its way through the apply. */
interface UnitPlan {
  unit: Unit;
  result: UnitApplyResult;
  objects: KubeObject[];
  labels: Record<string, string>;
  errors: string[];
}

interface Context {
  cluster: Cluster;
  discovery: Discovery;
  opts: ApplyOptions & { namespace: string };
}

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
  const ctx: Context = {
    cluster,
    discovery: new Discovery(cluster.client),
    opts: { ...opts, namespace: opts.namespace ?? cluster.namespace ?? "default" },
  };

  const plans: UnitPlan[] = [];
  for (const unit of units) plans.push(await planUnit(api, sp.Slug, unit));
  const ready = plans.filter((p) => p.result.error === null);

  // 1. Namespaces and CRDs of every unit.
  const crds: Array<{ plan: UnitPlan; crd: KubeObject }> = [];
  const unready = new Map<string, string>(); // CRD name → why it is not usable
  const foundations = ready.flatMap((plan) => plan.objects.filter(isFoundation).map((obj) => ({ plan, obj })));
  for (const { plan, obj } of foundations.sort((a, b) => rank(a.obj) - rank(b.obj))) {
    const applied = await applyOne(ctx, plan, obj);
    if (!isCrd(obj)) continue;
    crds.push({ plan, crd: obj });
    if (!applied) unready.set(obj.metadata.name, "failed to apply");
    else if (opts.dryRun) unready.set(obj.metadata.name, "is only dry-run");
  }
  // 2. Wait for the CRDs applied for real; discovery is refreshed for their kinds.
  const waitFor = crds.filter(({ crd }) => !unready.has(crd.metadata.name));
  if (waitFor.length) {
    const failures = await awaitCrds(
      cluster.client,
      ctx.discovery,
      waitFor.map((c) => c.crd),
      { timeoutMs: opts.crdTimeoutMs ?? DEFAULT_CRD_TIMEOUT_MS },
    );
    for (const { plan, crd } of waitFor) {
      const reason = failures.get(crd.metadata.name);
      if (reason) {
        plan.errors.push(reason);
        unready.set(crd.metadata.name, "is not Established");
      }
    }
  }
  // 3. Everything else; a kind still unknown fails that object only, naming its CRD when this apply holds it.
  const crdOfKind = (apiVersion: string, kind: string) =>
    crds.find(({ crd }) => servedKinds(crd).some((k) => k.apiVersion === apiVersion && k.kind === kind))?.crd;
  for (const plan of ready) {
    for (const obj of plan.objects.filter((o) => !isFoundation(o))) {
      await applyOne(ctx, plan, obj, (err) => {
        if (!(err instanceof UnknownKindError)) return undefined;
        const crd = crdOfKind(obj.apiVersion, obj.kind);
        if (!crd) return `${err.message} (no CustomResourceDefinition for it in the cluster or this apply)`;
        const why = unready.get(crd.metadata.name);
        return why ? `${err.message} (its CustomResourceDefinition ${crd.metadata.name} ${why})` : undefined;
      });
    }
  }
  // 4. Per unit: prune what the previous revision had, record the revision.
  const results: UnitApplyResult[] = [];
  for (const plan of plans) results.push(plan.result.error ? plan.result : await finishUnit(api, ctx, plan));
  return results;
}

async function planUnit(api: HubApi, space: string, unit: Unit): Promise<UnitPlan> {
  const revision = unit.HeadRevisionNum;
  const result: UnitApplyResult = { space, unit: unit.Slug, revision, applied: [], pruned: [], error: null };
  const labels = { [SPACE_LABEL]: labelValue(space), [UNIT_LABEL]: labelValue(unit.Slug) };
  const plan: UnitPlan = { unit, result, objects: [], labels, errors: [] };
  try {
    // Exactly the revision that will be recorded, even if someone writes a newer one meanwhile.
    plan.objects = parseUnitData(await api.getRevisionData(space, unit.Slug, revision));
  } catch (err) {
    result.error = (err as Error).message;
  }
  return plan;
}

/** Applies one object of a unit; true when it went through. `explain` may give an error a better message. */
async function applyOne(
  ctx: Context,
  plan: UnitPlan,
  obj: KubeObject,
  explain: (err: unknown) => string | undefined = () => undefined,
): Promise<boolean> {
  let ref = refOf(obj);
  try {
    const info = await ctx.discovery.resolve(obj.apiVersion, obj.kind);
    const namespace = info.namespaced ? (obj.metadata.namespace ?? ctx.opts.namespace) : undefined;
    ref = { ...ref, namespace };
    const metadata = { ...obj.metadata, labels: { ...obj.metadata.labels, ...plan.labels } };
    if (namespace) metadata.namespace = namespace;
    else delete metadata.namespace;
    await applyObject(ctx.cluster.client, info, { ...obj, metadata } as KubeObject, {
      fieldManager: FIELD_MANAGER,
      force: true,
      dryRun: ctx.opts.dryRun,
    });
    plan.result.applied.push(ref);
    return true;
  } catch (err) {
    plan.errors.push(`${describeRef(ref)}: ${explain(err) ?? errorMessage(err)}`);
    return false;
  }
}

async function finishUnit(api: HubApi, ctx: Context, plan: UnitPlan): Promise<UnitApplyResult> {
  const { unit, result } = plan;
  const opts = ctx.opts;
  const fail = (msg: string) => {
    result.error = msg;
    return result;
  };
  if (plan.errors.length) return fail(plan.errors.join("; "));
  if (opts.prune !== false && unit.LastAppliedRevisionNum > 0 && unit.LastAppliedRevisionNum !== result.revision) {
    try {
      result.pruned = await prune(api, ctx.cluster, ctx.discovery, result.space, unit, plan.objects, plan.labels, opts);
    } catch (err) {
      return fail(`prune: ${(err as Error).message}`);
    }
  }
  if (opts.dryRun) return result;
  try {
    await api.markApplied(result.space, unit.Slug, result.revision);
  } catch (err) {
    return fail(`applied, but recording revision ${result.revision} failed: ${(err as Error).message}`);
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

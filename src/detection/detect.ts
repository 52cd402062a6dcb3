// One detection: desired snapshot + cluster + mode -> one ResourceResult per desired object. Shared by `check`,
// `scenarios` and the service. I/O lives here (discovery, live reads, dry-runs); the verdict is the engine's.

import type { DesiredSnapshot } from "../desired/source.js";
import { type CompareInput, compareObject, type EngineOptions, errorVerdict, SCALABLE_KINDS } from "../drift/engine.js";
import type {
  ComparisonMode,
  DesiredError,
  DesiredObject,
  KubeObject,
  ObjectRef,
  ResourceResult,
} from "../drift/types.js";
import type { Cluster } from "../kube/cluster.js";
import { CrdSchemas } from "../kube/crd-schemas.js";
import { Discovery, type ResourceInfo } from "../kube/discovery.js";
import {
  appliedKey,
  compactServerView,
  DryRunCache,
  defaultedKey,
  objectHash,
  type ViewKey,
} from "../kube/dryrun-cache.js";
import { ClusterUnauthorizedError, ClusterUnreachableError } from "../kube/errors.js";
import { objectKey } from "../kube/liveview.js";
import { applyObject, dryRunCreate } from "../kube/objects.js";
import { PublishedSchemas } from "../kube/openapi-schemas.js";
import { relevanceDigest } from "../kube/relevance.js";
import { mapLimit } from "../lib/concurrency.js";
import { errorMessage } from "../lib/errors.js";
import { type Baselines, baselineFor } from "./baselines.js";
import type { LiveReader } from "./live.js";
import { type PagedLiveOptions, pagedLiveReader } from "./paged-live.js";

export const FIELD_MANAGER = "drift-detector";

export interface DetectOptions {
  mode: ComparisonMode;
  /**
   * For namespaced objects that name none (`--namespace`); falls back to the context's namespace, then, as
   * kubectl does, to `default`. An empty string means "no fallback": such objects become Error results.
   */
  namespace?: string;
  /** Engine settings other than the mode (ignore rules, imperative managers, severities). */
  engine?: Omit<EngineOptions, "mode">;
  /** Requests in flight at once. */
  concurrency?: number;
  /** Reuse across detections (the service, benchmarks); a fresh one per call otherwise. */
  discovery?: Discovery;
  /** Server-mode dry-run results; keep one across detections so unchanged objects cost no request. */
  cache?: DryRunCache<KubeObject | null>;
  /** Where live objects come from (default: paged LISTs where a kind has many objects in a namespace, else GETs). */
  live?: LiveReader;
  /** For the default live reader: LIST page size and the objects per kind and namespace from which to LIST. */
  paging?: PagedLiveOptions;
  /** Schemas of custom resources (client-mode defaults, list keys); the service keeps one per cluster. */
  crdSchemas?: CrdSchemas;
  /** Schemas the server publishes for built-in kinds (defaults, list keys); keep one per cluster. */
  publishedSchemas?: PublishedSchemas;
  /** Unowned values at each object's last observation, read and kept up to date here (the service's). */
  baselines?: Baselines;
  /**
   * Server mode: dry-run only the objects client rules call drifted (default true). `false` dry-runs every object:
   * the reference the client-first test compares with.
   */
  clientFirst?: boolean;
}

interface Resolved {
  desired: DesiredObject;
  info: ResourceInfo;
}

/**
 * Compares every desired object with the cluster. Per-object problems (unknown kind, no namespace, a failed read)
 * become `Error` results; an unreachable or unauthorized cluster aborts the whole detection (it throws).
 */
export async function detect(
  snapshot: DesiredSnapshot,
  cluster: Cluster,
  opts: DetectOptions,
): Promise<ResourceResult[]> {
  const concurrency = opts.concurrency ?? 16;
  const discovery = opts.discovery ?? new Discovery(cluster.client);
  const cache = opts.cache ?? new DryRunCache<KubeObject | null>();
  const crdSchemas = opts.crdSchemas ?? new CrdSchemas(cluster.client);
  const publishedSchemas = opts.publishedSchemas ?? new PublishedSchemas(cluster.client);
  const engineOptions: EngineOptions = { ...opts.engine, mode: opts.mode };
  const fallbackNamespace = opts.namespace ?? cluster.namespace ?? "default";

  // 1. Resolve kinds and namespaces.
  const resolved = await mapLimit(snapshot.objects, concurrency, async (desired) => {
    try {
      const info = await discovery.resolve(desired.ref.apiVersion, desired.ref.kind);
      return withNamespace(desired, info, fallbackNamespace);
    } catch (err) {
      return errorResult(desired.ref, desired.source, err);
    }
  });
  markDuplicates(resolved);
  const live = opts.live ?? prefetchedReader(cluster, resolved, concurrency, opts.paging);

  // 2. The HPAs of namespaces that hold scalable workloads (autoscaled replicas are not drift).
  const hpas = await autoscalers(resolved, discovery, live, concurrency);

  // 3. Live objects, dry-runs, verdicts.
  const results = await mapLimit(resolved, concurrency, async (entry): Promise<ResourceResult> => {
    if (!("info" in entry)) return entry;
    const { desired, info } = entry;
    try {
      const [liveObject, crdSchema, publishedSchema] = await Promise.all([
        live.get(info, desired.ref.namespace, desired.ref.name),
        crdSchemas.schemaFor(info),
        publishedSchemas.schemaFor(info),
      ]);
      const input: CompareInput = {
        desired,
        live: liveObject,
        context: {
          hpas: hpas.get(desired.ref.namespace ?? "") ?? [],
          ...(crdSchema ? { crdSchema } : {}),
          ...(publishedSchema ? { publishedSchema } : {}),
        },
      };
      const baselines = opts.baselines;
      const uid = liveObject?.metadata.uid;
      if (baselines && uid) {
        const key = objectKey(desired.ref);
        const hash = objectHash(desired.object);
        input.baseline = baselineFor(baselines.get(key), uid, hash);
        input.onUnowned = (values) => baselines.set(key, { uid, desired: hash, values });
      }
      if (opts.mode !== "server" || !liveObject) return compareObject(input, engineOptions);
      // Client first: without server views the engine applies client rules. An object they call in sync is in sync
      // for the server too (test/integration/client-first.test.ts checks this on every scenario), so it costs no
      // dry-run; only a difference is confirmed, or refuted, by the server. The same look says whether the dry-run
      // create is likely wanted: then it runs alongside the apply dry-run instead of after it.
      let likely = false;
      let unowned: Record<string, unknown> | undefined;
      const first = compareObject(
        { ...input, onUnowned: (values) => (unowned = values), onDefaultsNeeded: () => (likely = true) },
        engineOptions,
      );
      if (first.status === "InSync" && opts.clientFirst !== false) {
        if (unowned) input.onUnowned?.(unowned);
        return first;
      }
      const views = await serverViews(cluster, info, desired, liveObject, cache, likely);
      Object.assign(input, views.known);
      if (input.serverDefaulted !== undefined || views.defaulted === undefined)
        return compareObject(input, engineOptions);
      // The dry-run create's view only where the verdict can depend on it (a value only live holds): one dry-run per
      // object for kinds whose live objects hold nothing undeclared.
      let needed = false;
      input.onDefaultsNeeded = () => {
        needed = true;
      };
      const verdict = compareObject(input, engineOptions);
      if (!needed) return verdict;
      input.serverDefaulted = await views.defaulted();
      return compareObject(input, engineOptions);
    } catch (err) {
      return errorResult(desired.ref, desired.source, err);
    }
  });
  return [...results, ...snapshot.errors.map(desiredErrorResult)];
}

/** The default live reader, its LISTs already started. */
function prefetchedReader(
  cluster: Cluster,
  resolved: ReadonlyArray<Resolved | ResourceResult>,
  concurrency: number,
  paging: PagedLiveOptions | undefined,
): LiveReader {
  const wanted = resolved.flatMap((entry) =>
    "info" in entry ? [{ info: entry.info, namespace: entry.desired.ref.namespace }] : [],
  );
  const reader = pagedLiveReader(cluster.client, wanted, { concurrency, ...paging });
  reader.prefetch();
  return reader;
}

function withNamespace(
  desired: DesiredObject,
  info: ResourceInfo,
  fallback: string | undefined,
): Resolved | ResourceResult {
  const { namespace: _ignored, ...refWithoutNs } = desired.ref;
  if (!info.namespaced) {
    // kubectl ignores a namespace on a cluster-scoped object; so do we.
    if (!desired.ref.namespace && !desired.object.metadata.namespace) return { desired, info };
    const { namespace: _drop, ...metadata } = desired.object.metadata;
    return { desired: { ...desired, ref: refWithoutNs, object: { ...desired.object, metadata } }, info };
  }
  const namespace = desired.ref.namespace ?? fallback;
  if (!namespace) {
    return errorVerdict(
      desired.ref,
      desired.source,
      `${desired.ref.kind}/${desired.ref.name} is namespaced but names no namespace: set metadata.namespace, pass --namespace, or set a namespace in the kubeconfig context`,
    );
  }
  if (desired.ref.namespace === namespace && desired.object.metadata.namespace === namespace) return { desired, info };
  // The same copy for the same source object run after run, so its content hash (dry-run cache key) is memoized.
  const memo = namespacedCopies.get(desired.object);
  if (memo?.namespace === namespace) return { desired: { ...desired, ref: memo.ref, object: memo.object }, info };
  const copy = {
    namespace,
    ref: { ...refWithoutNs, namespace },
    object: { ...desired.object, metadata: { ...desired.object.metadata, namespace } },
  };
  namespacedCopies.set(desired.object, copy);
  return { desired: { ...desired, ref: copy.ref, object: copy.object }, info };
}

const namespacedCopies = new WeakMap<KubeObject, { namespace: string; ref: ObjectRef; object: KubeObject }>();
const contentHashes = new WeakMap<KubeObject, string>();

// Desired objects are immutable snapshots (a new load makes new objects), so a hash per object identity is safe.
function contentHash(object: KubeObject): string {
  let hash = contentHashes.get(object);
  if (!hash) {
    hash = objectHash(object);
    contentHashes.set(object, hash);
  }
  return hash;
}

// The same object declared twice cannot have one verdict: the second and later copies are errors.
function markDuplicates(entries: Array<Resolved | ResourceResult>): void {
  const seen = new Map<string, DesiredObject>();
  entries.forEach((entry, i) => {
    if (!("info" in entry)) return;
    const { ref } = entry.desired;
    const key = `${entry.info.group}/${ref.kind}/${ref.namespace ?? ""}/${ref.name}`;
    const first = seen.get(key);
    if (!first) {
      seen.set(key, entry.desired);
      return;
    }
    entries[i] = errorVerdict(
      ref,
      entry.desired.source,
      `${ref.kind}/${ref.name} is declared more than once (first in ${describeSource(first)})`,
    );
  });
}

async function autoscalers(
  entries: Array<Resolved | ResourceResult>,
  discovery: Discovery,
  live: LiveReader,
  concurrency: number,
): Promise<Map<string, KubeObject[]>> {
  const namespaces = new Set<string>();
  for (const entry of entries) {
    if (!("info" in entry) || !entry.desired.ref.namespace) continue;
    const spec = entry.desired.object.spec as { replicas?: unknown } | undefined;
    if (SCALABLE_KINDS.has(`${entry.info.group}/${entry.desired.ref.kind}`) || spec?.replicas !== undefined) {
      namespaces.add(entry.desired.ref.namespace);
    }
  }
  const byNamespace = new Map<string, KubeObject[]>();
  if (namespaces.size === 0) return byNamespace;
  let info: ResourceInfo;
  try {
    info = await discovery.resolve("autoscaling/v2", "HorizontalPodAutoscaler");
  } catch (err) {
    if (isClusterWide(err)) throw err;
    return byNamespace; // a cluster without autoscaling/v2: nothing autoscaled
  }
  await mapLimit([...namespaces], concurrency, async (ns) => {
    try {
      byNamespace.set(ns, await live.list(info, ns));
    } catch (err) {
      if (isClusterWide(err)) throw err;
      byNamespace.set(ns, []); // no permission to list HPAs: replicas are then compared like any field
    }
  });
  return byNamespace;
}

/**
 * The server views of a desired object, from the cache when neither the desired content nor the live resourceVersion
 * changed: the apply dry-run now, the dry-run create (`defaulted`) when asked for or `early`. A dry-run the server
 * refuses (immutable field, webhook, constrained name) is left out: the engine then uses client rules for that part.
 * Refusals are cached too, so they are not retried every run.
 */
async function serverViews(
  cluster: Cluster,
  info: ResourceInfo,
  desired: DesiredObject,
  live: KubeObject,
  cache: DryRunCache<KubeObject | null>,
  /** Start the dry-run create now, alongside the apply dry-run, when it is not cached. */
  early: boolean,
): Promise<{
  known: Pick<CompareInput, "serverApplied" | "serverDefaulted">;
  defaulted?: () => Promise<KubeObject | undefined>;
}> {
  const { applied, defaulted } = serverCacheKeys(desired, live);
  const cachedDefaulted = cache.get(defaulted);
  let creating: Promise<KubeObject | undefined> | undefined;
  const create = () => {
    creating ??= dryRunCreate(cluster.client, info, desired.object, FIELD_MANAGER)
      .then(compactServerView, refusal)
      .then((view) => {
        cache.set(defaulted, view ?? null);
        return view ?? undefined;
      });
    return creating;
  };
  if (early && cachedDefaulted === undefined) create().catch(() => {}); // its error surfaces where the view is used
  let serverApplied = cache.get(applied);
  if (serverApplied === undefined) {
    serverApplied = await applyObject(cluster.client, info, desired.object, {
      fieldManager: FIELD_MANAGER,
      force: true,
      dryRun: true,
    }).then(compactServerView, refusal);
    cache.set(applied, serverApplied ?? null);
  }
  const known = { serverApplied: serverApplied ?? undefined };
  if (cachedDefaulted !== undefined) return { known: { ...known, serverDefaulted: cachedDefaulted ?? undefined } };
  return { known, defaulted: create };
}

/** Cache keys of the two server views (exported for benchmarks that pre-warm a cache). */
export function serverCacheKeys(desired: DesiredObject, live: KubeObject): { applied: ViewKey; defaulted: ViewKey } {
  const hash = contentHash(desired.object);
  return {
    // Not the bare resourceVersion: controllers bump it with every status write (a Deployment's replica counts),
    // which cannot change what an apply of desired would store. The relevant part of live can.
    applied: appliedKey(desired.ref, hash, liveDigest(live)),
    defaulted: defaultedKey(desired.ref, hash),
  };
}

const liveDigests = new WeakMap<KubeObject, string>();

// The service's watch cache hands out the same object until it changes: its digest is computed once, not per run.
function liveDigest(live: KubeObject): string {
  let digest = liveDigests.get(live);
  if (digest === undefined) {
    digest = relevanceDigest(live);
    liveDigests.set(live, digest);
  }
  return digest;
}

function refusal(err: unknown): undefined {
  if (isClusterWide(err)) throw err;
  return undefined;
}

function isClusterWide(err: unknown): boolean {
  return err instanceof ClusterUnreachableError || err instanceof ClusterUnauthorizedError;
}

function errorResult(ref: ObjectRef, source: DesiredObject["source"], err: unknown): ResourceResult {
  if (isClusterWide(err)) throw err;
  return errorVerdict(ref, source, errorMessage(err));
}

function desiredErrorResult(e: DesiredError): ResourceResult {
  const ref = {
    apiVersion: e.ref?.apiVersion ?? "",
    kind: e.ref?.kind ?? "",
    ...(e.ref?.namespace ? { namespace: e.ref.namespace } : {}),
    name: e.ref?.name ?? "",
  };
  return errorVerdict(ref, e.source, e.error);
}

function describeSource(d: DesiredObject): string {
  const s = d.source;
  if (s.type === "file") return s.document ? `${s.path} document ${s.document}` : s.path;
  return `${s.type}:${s.space}/${s.unit}`;
}

// Live reads for a one-shot detection: where a kind has many desired objects in one namespace, one paged LIST
// (limit/continue) answers them all instead of one GET each; the rest are read with a GET. `prefetch` starts the
// LISTs at once, so the apiserver serves them while the detection still reads discovery, HPAs and schemas.
import type { KubeObject } from "../drift/types.js";
import type { KubeClient } from "../kube/client.js";
import type { ResourceInfo } from "../kube/discovery.js";
import { listObjects } from "../kube/objects.js";
import { Semaphore } from "../lib/concurrency.js";
import { directLiveReader, type LiveReader } from "./live.js";

export interface PagedLiveOptions {
  /** Desired objects of one kind in one namespace from which a LIST replaces the GETs. */
  minObjects?: number;
  /** Objects per LIST page. */
  pageSize?: number;
  /** LISTs in flight at once (default 16). */
  concurrency?: number;
}

export interface PagedLiveReader extends LiveReader {
  /** Starts the LIST of every group that will be read by LIST (a failed one is asked again by its first get). */
  prefetch(): void;
}

export interface WantedObject {
  info: ResourceInfo;
  namespace: string | undefined;
}

export const DEFAULT_LIST_THRESHOLD = 8;

export function pagedLiveReader(
  client: KubeClient,
  wanted: readonly WantedObject[],
  opts: PagedLiveOptions = {},
): PagedLiveReader {
  const minObjects = opts.minObjects ?? DEFAULT_LIST_THRESHOLD;
  // Per group: its first object (where to LIST) and how many objects it has.
  const groups = new Map<string, { first: WantedObject; count: number }>();
  for (const w of wanted) {
    const key = groupKey(w.info, w.namespace);
    const g = groups.get(key);
    if (g) g.count++;
    else groups.set(key, { first: w, count: 1 });
  }
  const listsGroup = (key: string) => (groups.get(key)?.count ?? 0) >= minObjects;
  const lists = new Semaphore(opts.concurrency ?? 16);
  // One LIST per group, shared by every concurrent get of it.
  const listed = new Map<string, Promise<Map<string, KubeObject>>>();
  const byName = async (info: ResourceInfo, namespace: string | undefined) => {
    const { items } = await lists.run(() =>
      listObjects(client, info, {
        ...(namespace !== undefined ? { namespace } : {}),
        ...(opts.pageSize ? { pageSize: opts.pageSize } : {}),
      }),
    );
    return new Map(items.map((item) => [item.metadata.name, item]));
  };
  const group = (key: string, info: ResourceInfo, namespace: string | undefined) => {
    let pending = listed.get(key);
    if (!pending) {
      const started = byName(info, namespace);
      pending = started;
      listed.set(key, started);
      // A failed LIST fails its objects in this detection only; nothing is cached for a retry.
      started.catch(() => listed.get(key) === started && listed.delete(key));
    }
    return pending;
  };
  const direct = directLiveReader(client);
  return {
    get: async (info, namespace, name) => {
      const key = groupKey(info, namespace);
      if (!listsGroup(key)) return direct.get(info, namespace, name);
      return (await group(key, info, namespace)).get(name);
    },
    list: direct.list,
    prefetch() {
      for (const [key, { first }] of groups) if (listsGroup(key)) void group(key, first.info, first.namespace);
    },
  };
}

function groupKey(info: ResourceInfo, namespace: string | undefined): string {
  return `${info.group}/${info.version}/${info.plural}/${info.namespaced ? (namespace ?? "") : ""}`;
}

// Live reads for a one-shot detection: where a kind has many desired objects in one namespace, one paged LIST
// (limit/continue) answers them all instead of one GET each; the rest are read with a GET.
import type { KubeObject } from "../drift/types.js";
import type { KubeClient } from "../kube/client.js";
import type { ResourceInfo } from "../kube/discovery.js";
import { listObjects } from "../kube/objects.js";
import { directLiveReader, type LiveReader } from "./live.js";

export interface PagedLiveOptions {
  /** Desired objects of one kind in one namespace from which a LIST replaces the GETs. */
  minObjects?: number;
  /** Objects per LIST page. */
  pageSize?: number;
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
): LiveReader {
  const minObjects = opts.minObjects ?? DEFAULT_LIST_THRESHOLD;
  const counts = new Map<string, number>();
  for (const w of wanted) {
    const key = groupKey(w.info, w.namespace);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  // One LIST per group, shared by every concurrent get of it.
  const listed = new Map<string, Promise<Map<string, KubeObject>>>();
  const byName = async (info: ResourceInfo, namespace: string | undefined) => {
    const { items } = await listObjects(client, info, {
      ...(namespace !== undefined ? { namespace } : {}),
      ...(opts.pageSize ? { pageSize: opts.pageSize } : {}),
    });
    return new Map(items.map((item) => [item.metadata.name, item]));
  };
  const direct = directLiveReader(client);
  return {
    get: async (info, namespace, name) => {
      const key = groupKey(info, namespace);
      if ((counts.get(key) ?? 0) < minObjects) return direct.get(info, namespace, name);
      let group = listed.get(key);
      if (!group) {
        group = byName(info, namespace);
        listed.set(key, group);
        // A failed LIST fails its objects in this detection only; nothing is cached for a retry.
        group.catch(() => listed.delete(key));
      }
      return (await group).get(name);
    },
    list: direct.list,
  };
}

function groupKey(info: ResourceInfo, namespace: string | undefined): string {
  return `${info.group}/${info.version}/${info.plural}/${info.namespaced ? (namespace ?? "") : ""}`;
}

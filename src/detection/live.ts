// Where detection reads live objects from. Direct GETs for one-shot `check`; the service plugs in its
// list+watch cache through the same interface, so a resync reads memory instead of the API server.
import type { KubeObject } from "../drift/types.js";
import type { KubeClient } from "../kube/client.js";
import type { ResourceInfo } from "../kube/discovery.js";
import { getObject, listObjects } from "../kube/objects.js";

export interface LiveReader {
  /** The live object, or undefined when absent. */
  get(info: ResourceInfo, namespace: string | undefined, name: string): Promise<KubeObject | undefined>;
  /** All objects of a kind in a namespace (all namespaces when undefined). */
  list(info: ResourceInfo, namespace: string | undefined): Promise<KubeObject[]>;
}

export function directLiveReader(client: KubeClient): LiveReader {
  return {
    get: (info, namespace, name) => getObject(client, info, namespace, name),
    list: async (info, namespace) => (await listObjects(client, info, { namespace })).items,
  };
}

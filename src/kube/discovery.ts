// apiVersion + kind -> resource plural and scope, from the API server's discovery documents. One request per
// group/version, cached for the life of the Discovery (one detection run, or the service with refresh on miss).
import type { KubeClient } from "./client.js";
import { KubeApiError, UnknownKindError } from "./errors.js";

export interface ResourceInfo {
  group: string;
  version: string;
  apiVersion: string;
  kind: string;
  /** URL segment, e.g. `deployments`. */
  plural: string;
  namespaced: boolean;
  verbs: string[];
}

interface ApiResource {
  name: string;
  kind: string;
  namespaced: boolean;
  verbs?: string[];
}

interface Entry {
  at: number;
  byKind: Promise<Map<string, ResourceInfo> | null>;
}

export interface DiscoveryOptions {
  /** A kind missing from a group/version list older than this is looked up again (a CRD installed meanwhile). */
  refreshMissAfterMs?: number;
}

export class Discovery {
  private readonly cache = new Map<string, Entry>();
  private readonly refreshMissAfterMs: number;

  constructor(
    private readonly client: KubeClient,
    opts: DiscoveryOptions = {},
  ) {
    this.refreshMissAfterMs = opts.refreshMissAfterMs ?? 5_000;
  }

  /** Throws UnknownKindError when the cluster does not serve the kind; other failures propagate. */
  async resolve(apiVersion: string, kind: string): Promise<ResourceInfo> {
    let entry = this.entry(apiVersion);
    let found = (await entry.byKind)?.get(kind);
    if (!found && Date.now() - entry.at > this.refreshMissAfterMs) {
      this.cache.delete(apiVersion);
      entry = this.entry(apiVersion);
      found = (await entry.byKind)?.get(kind);
    }
    if (!found) throw new UnknownKindError(apiVersion, kind);
    return found;
  }

  /** Forget everything (after installing CRDs). */
  invalidate(apiVersion?: string): void {
    if (apiVersion) this.cache.delete(apiVersion);
    else this.cache.clear();
  }

  private entry(apiVersion: string): Entry {
    let entry = this.cache.get(apiVersion);
    if (!entry) {
      const byKind = this.fetch(apiVersion);
      entry = { at: Date.now(), byKind };
      this.cache.set(apiVersion, entry);
      // A failed fetch (not a 404) must not stay cached: the next object tries again.
      byKind.catch(() => this.cache.get(apiVersion) === entry && this.cache.delete(apiVersion));
    }
    return entry;
  }

  private async fetch(apiVersion: string): Promise<Map<string, ResourceInfo> | null> {
    const [group, version] = apiVersion.includes("/") ? apiVersion.split("/", 2) : ["", apiVersion];
    const path = group ? `/apis/${group}/${version}` : `/api/${version}`;
    let body: { resources?: ApiResource[] };
    try {
      body = (await this.client.request({ method: "GET", path })).body as { resources?: ApiResource[] };
    } catch (err) {
      if (err instanceof KubeApiError && err.status === 404) return null;
      throw err;
    }
    const byKind = new Map<string, ResourceInfo>();
    for (const r of body.resources ?? []) {
      if (r.name.includes("/")) continue; // subresources: deployments/scale, ...
      byKind.set(r.kind, {
        group: group ?? "",
        version: version ?? "",
        apiVersion,
        kind: r.kind,
        plural: r.name,
        namespaced: r.namespaced,
        verbs: r.verbs ?? [],
      });
    }
    return byKind;
  }
}

/** The API path of a resource collection, or of one object when `name` is given. */
export function resourcePath(info: ResourceInfo, namespace?: string, name?: string): string {
  const base = info.group ? `/apis/${info.group}/${info.version}` : `/api/${info.version}`;
  const ns = info.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : "";
  return `${base}${ns}/${info.plural}${name ? `/${encodeURIComponent(name)}` : ""}`;
}

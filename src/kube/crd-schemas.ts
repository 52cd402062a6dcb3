// The openAPIV3Schema of a custom resource's served version, read from its CustomResourceDefinition: client mode
// needs the schema's defaults and list keys (the engine's `context.crdSchema`). One GET per CRD, cached until
// `refresh()` (the end of a `check` run, or the service's full resync); the same schema object is handed out
// while cached, so the engine's compiled form of it is reused too.
import type { OpenAPISchema } from "../drift/types.js";
import type { KubeClient } from "./client.js";
import type { ResourceInfo } from "./discovery.js";
import { KubeApiError } from "./errors.js";

interface CrdVersion {
  name: string;
  served?: boolean;
  schema?: { openAPIV3Schema?: OpenAPISchema };
}

// Groups the kube-apiserver serves itself: never CRDs, so no request. Other groups (including CRD groups under
// k8s.io such as gateway.networking.k8s.io) are asked for; a 404 there means an aggregated or built-in API.
export const BUILT_IN_GROUPS: ReadonlySet<string> = new Set([
  "",
  "apps",
  "batch",
  "autoscaling",
  "policy",
  "extensions",
  "admissionregistration.k8s.io",
  "apiextensions.k8s.io",
  "apiregistration.k8s.io",
  "authentication.k8s.io",
  "authorization.k8s.io",
  "certificates.k8s.io",
  "coordination.k8s.io",
  "discovery.k8s.io",
  "events.k8s.io",
  "flowcontrol.apiserver.k8s.io",
  "internal.apiserver.k8s.io",
  "networking.k8s.io",
  "node.k8s.io",
  "rbac.authorization.k8s.io",
  "resource.k8s.io",
  "scheduling.k8s.io",
  "storage.k8s.io",
  "storagemigration.k8s.io",
]);

/** CRD schemas by CRD name (`plural.group`), for one run or one cluster. */
export class CrdSchemas {
  private cache = new Map<string, Promise<CrdVersion[] | null>>();
  /** GETs sent, for tests and benchmarks. */
  readonly stats = { fetches: 0 };

  constructor(private readonly client: KubeClient) {}

  /**
   * The schema of `info`'s version, or undefined for a built-in kind, a kind no CRD defines, a CRD without a
   * schema for that version, or a CRD we may not read (403: custom resources are then compared generically).
   * Other failures throw, so the object becomes an Error result rather than a verdict without its schema.
   */
  async schemaFor(info: ResourceInfo): Promise<OpenAPISchema | undefined> {
    if (BUILT_IN_GROUPS.has(info.group)) return undefined;
    const versions = await this.versions(`${info.plural}.${info.group}`);
    const served = versions?.find((v) => v.name === info.version && v.served !== false);
    return served?.schema?.openAPIV3Schema;
  }

  /** Forget every CRD read so far: the next lookup reads it again (CRDs change rarely; a resync picks changes up). */
  refresh(): void {
    this.cache = new Map();
  }

  private versions(name: string): Promise<CrdVersion[] | null> {
    let entry = this.cache.get(name);
    if (!entry) {
      const cache = this.cache;
      entry = this.fetch(name);
      cache.set(name, entry);
      // A failure other than "none" or "not allowed" must not stay cached: the next object tries again.
      entry.catch(() => cache.get(name) === entry && cache.delete(name));
    }
    return entry;
  }

  private async fetch(name: string): Promise<CrdVersion[] | null> {
    this.stats.fetches++;
    try {
      const res = await this.client.request({
        method: "GET",
        path: `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${encodeURIComponent(name)}`,
      });
      return (res.body as { spec?: { versions?: CrdVersion[] } }).spec?.versions ?? [];
    } catch (err) {
      if (!(err instanceof KubeApiError)) throw err; // unreachable or unauthorized: the whole detection stops
      if (err.status === 404 || err.status === 403) return null;
      throw new KubeApiError(err.status, err.reason, `cannot read CustomResourceDefinition ${name}: ${err.message}`);
    }
  }
}

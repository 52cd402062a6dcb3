// The schemas the API server publishes for its built-in kinds (OpenAPI v3, `/openapi/v3`): the `default` values and
// list keys it declares, for the engine's `context.publishedSchema`. The index names each group/version's document
// by a content hash, so a document is read once per server version and shared by every detection in the process.
import type { OpenAPISchema } from "../drift/types.js";
import type { KubeClient } from "./client.js";
import { BUILT_IN_GROUPS } from "./crd-schemas.js";
import type { ResourceInfo } from "./discovery.js";
import { KubeApiError } from "./errors.js";
import type { SchemaStore } from "./openapi-schema-store.js";

interface RawSchema extends OpenAPISchema {
  $ref?: string;
  allOf?: RawSchema[];
  properties?: Record<string, RawSchema>;
  items?: RawSchema;
  additionalProperties?: RawSchema | boolean;
  "x-kubernetes-patch-merge-key"?: string;
  "x-kubernetes-group-version-kind"?: Array<{ group: string; version: string; kind: string }>;
}

interface Document {
  components?: { schemas?: Record<string, RawSchema> };
}

// By hashed document URL: a new server version publishes new URLs, so entries never go stale.
const documents = new Map<string, Promise<Document | null>>();
const kinds = new Map<string, Promise<OpenAPISchema | undefined>>();

/** Published schemas of one cluster; the index is read once per instance until `refresh()` (the service's resync). */
export class PublishedSchemas {
  private index: Promise<Record<string, string> | null> | undefined;
  /** GETs sent, for tests. */
  readonly stats = { fetches: 0 };

  /** Pending writes to the store, for `flush()`. */
  private readonly writes: Promise<void>[] = [];

  /** `store`: kind schemas kept between processes (`check`); without it, they are kept for this process only. */
  constructor(
    private readonly client: KubeClient,
    private readonly store?: SchemaStore,
  ) {}

  /**
   * The schema of a built-in kind as the server publishes it, or undefined: a custom resource (its CRD has its own
   * schema), a server without OpenAPI v3, or a kind the document does not describe.
   */
  async schemaFor(info: ResourceInfo): Promise<OpenAPISchema | undefined> {
    if (!BUILT_IN_GROUPS.has(info.group)) return undefined;
    if (this.index === undefined) {
      const pending = this.readIndex();
      this.index = pending;
      // A failed read is not kept: the next object asks again.
      pending.catch(() => this.index === pending && this.refresh());
    }
    const index = await this.index;
    const url = index?.[info.group === "" ? `api/${info.version}` : `apis/${info.group}/${info.version}`];
    if (url === undefined) return undefined;
    const key = `${url}#${info.kind}`;
    let schema = kinds.get(key);
    if (schema === undefined) {
      // One lookup per kind, shared by every concurrent object of it.
      const pending = this.lookup(url, key, info);
      schema = pending;
      kinds.set(key, pending);
      pending.catch(() => kinds.get(key) === pending && kinds.delete(key));
    }
    return schema;
  }

  private async lookup(url: string, key: string, info: ResourceInfo): Promise<OpenAPISchema | undefined> {
    const stored = this.store?.get(key);
    if (stored !== undefined) return stored ?? undefined;
    const doc = await this.document(url);
    const schema = doc === null ? undefined : kindSchema(doc, info);
    if (doc !== null && this.store) this.writes.push(this.store.put(key, schema ?? null));
    return schema;
  }

  /** Waits for the schemas being written to the store. */
  async flush(): Promise<void> {
    await Promise.all(this.writes.splice(0));
  }

  /** Read the index again on the next lookup (documents stay cached by their hashed URLs). */
  refresh(): void {
    this.index = undefined;
  }

  private async readIndex(): Promise<Record<string, string> | null> {
    const body = await this.get("/openapi/v3");
    const paths = (body as { paths?: Record<string, { serverRelativeURL?: string }> } | null)?.paths ?? {};
    const out: Record<string, string> = {};
    for (const [gv, entry] of Object.entries(paths)) if (entry.serverRelativeURL) out[gv] = entry.serverRelativeURL;
    return body === null ? null : out;
  }

  private document(url: string): Promise<Document | null> {
    let doc = documents.get(url);
    if (doc === undefined) {
      doc = this.get(url) as Promise<Document | null>;
      documents.set(url, doc);
      doc.catch(() => documents.get(url) === doc && documents.delete(url));
    }
    return doc;
  }

  // Not published (old server, 404) or not ours to read (403): the engine then uses its own tables alone.
  private async get(path: string): Promise<unknown> {
    this.stats.fetches++;
    try {
      const body = (await this.client.request({ method: "GET", path })).body;
      // Served as application/com.github.proto-openapi.spec.v3@v1.0+json or text: JSON either way.
      return typeof body === "string" ? JSON.parse(body) : body;
    } catch (err) {
      if (err instanceof KubeApiError && (err.status === 404 || err.status === 403)) return null;
      throw err;
    }
  }
}

function kindSchema(doc: Document, info: ResourceInfo): OpenAPISchema | undefined {
  const schemas = doc.components?.schemas ?? {};
  for (const [name, s] of Object.entries(schemas)) {
    const gvk = s["x-kubernetes-group-version-kind"];
    if (gvk?.some((k) => k.group === info.group && k.version === info.version && k.kind === info.kind)) {
      return resolve(s, schemas, [name]);
    }
  }
  return undefined;
}

/** The schema with references resolved, reduced to what the engine reads; recursive types end at their first repeat. */
function resolve(s: RawSchema, schemas: Record<string, RawSchema>, seen: string[]): OpenAPISchema {
  const ref = s.$ref ?? (s.allOf?.length === 1 ? s.allOf[0]!.$ref : undefined);
  let body: RawSchema = s;
  if (ref !== undefined) {
    const name = ref.slice(ref.lastIndexOf("/") + 1);
    const target = schemas[name];
    if (target === undefined || seen.includes(name) || seen.length > 24) return pick(s, {});
    body = { ...target, ...pick(s, {}) };
    seen = [...seen, name];
  }
  const out = pick(body, {});
  if (body.properties) {
    out.properties = {};
    for (const [k, v] of Object.entries(body.properties)) out.properties[k] = resolve(v, schemas, seen);
  }
  if (body.items) out.items = resolve(body.items, schemas, seen);
  if (typeof body.additionalProperties === "object") {
    out.additionalProperties = resolve(body.additionalProperties, schemas, seen);
  }
  // Older lists name their merge key only for strategic merge patch; it is the same item identity.
  const mergeKey = body["x-kubernetes-patch-merge-key"];
  if (out["x-kubernetes-list-map-keys"] === undefined && mergeKey !== undefined && body.items !== undefined) {
    out["x-kubernetes-list-type"] = "map";
    out["x-kubernetes-list-map-keys"] = [mergeKey];
  }
  return out;
}

function pick(s: RawSchema, out: OpenAPISchema): OpenAPISchema {
  if (s.type !== undefined) out.type = s.type;
  if (s.default !== undefined) out.default = s.default;
  if (s["x-kubernetes-list-type"] !== undefined) out["x-kubernetes-list-type"] = s["x-kubernetes-list-type"];
  if (s["x-kubernetes-list-map-keys"] !== undefined) {
    out["x-kubernetes-list-map-keys"] = s["x-kubernetes-list-map-keys"];
  }
  return out;
}

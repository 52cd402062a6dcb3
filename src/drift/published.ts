// Built-in kinds: the engine's own tables (defaults.ts) completed by the schema the API server publishes (OpenAPI
// v3 `default` values and list keys). The tables win where both speak: they also know defaults that depend on
// other fields (imagePullPolicy from the image tag), which OpenAPI cannot express.
import { convert } from "./crdschema.js";
import type { SchemaNode } from "./schema.js";
import type { OpenAPISchema } from "./types.js";

const merged = new WeakMap<OpenAPISchema, WeakMap<SchemaNode, SchemaNode>>();

/** `base` (a kind's table) with what `published` adds; made once per published schema and table. */
export function withPublished(base: SchemaNode, published: OpenAPISchema | undefined): SchemaNode {
  if (published === undefined) return base;
  let byBase = merged.get(published);
  if (byBase === undefined) {
    byBase = new WeakMap();
    merged.set(published, byBase);
  }
  let node = byBase.get(base);
  if (node === undefined) {
    node = merge(base, convert(published)) ?? base;
    byBase.set(base, node);
  }
  return node;
}

function merge(base: SchemaNode | undefined, extra: SchemaNode | undefined): SchemaNode | undefined {
  if (base === undefined) return extra;
  if (extra === undefined || base.skip || base.allocated) return base;
  const out: SchemaNode = { ...base };
  if (out.dflt === undefined && extra.dflt !== undefined) out.dflt = extra.dflt;
  // A table that describes a list decides how its items match (atomic on purpose, or its own key).
  if (base.listKey === undefined && base.item === undefined && extra.listKey !== undefined) out.listKey = extra.listKey;
  if (base.item !== undefined || extra.item !== undefined) out.item = merge(base.item, extra.item);
  if (!base.onlyFields && extra.anyField !== undefined) out.anyField = merge(base.anyField, extra.anyField);
  if (extra.fields !== undefined) {
    const fields: Record<string, SchemaNode> = { ...base.fields };
    for (const [k, v] of Object.entries(extra.fields)) {
      // Only known fields of a metadata-like node are compared: published ones do not widen it.
      if (base.onlyFields && fields[k] === undefined) continue;
      fields[k] = merge(fields[k], v) as SchemaNode;
    }
    out.fields = fields;
  }
  return out;
}

// Custom resources: what the CRD's structural schema says about defaults and list keys, turned into the same
// schema tree the built-in kinds use, so client mode knows a CRD's defaults without a dry-run.
import { METADATA } from "./defaults.js";
import { obj, type SchemaNode, SKIP } from "./schema.js";
import type { OpenAPISchema } from "./types.js";

export type { OpenAPISchema } from "./types.js";

const cache = new WeakMap<OpenAPISchema, SchemaNode>();

/** The root schema node of a custom resource from its version's openAPIV3Schema. */
export function schemaFromCrd(openAPIV3Schema: OpenAPISchema): SchemaNode {
  let node = cache.get(openAPIV3Schema);
  if (node === undefined) {
    const body = convert(openAPIV3Schema);
    node = obj({ ...body.fields, apiVersion: SKIP, kind: SKIP, metadata: METADATA, status: SKIP });
    cache.set(openAPIV3Schema, node);
  }
  return node;
}

function convert(s: OpenAPISchema, depth = 0): SchemaNode {
  const node: SchemaNode = {};
  if (depth > 64) return node; // schemas are trees; a guard against pathological input
  if (s.default !== undefined) node.dflt = s.default;
  if (s.properties) {
    node.fields = {};
    for (const [k, v] of Object.entries(s.properties)) node.fields[k] = convert(v, depth + 1);
  }
  if (typeof s.additionalProperties === "object") node.anyField = convert(s.additionalProperties, depth + 1);
  if (s.items) {
    node.item = convert(s.items, depth + 1);
    const keys = s["x-kubernetes-list-map-keys"];
    if (s["x-kubernetes-list-type"] === "map" && keys && keys.length > 0) {
      // Key fields with a default match a desired item that leaves them out, as on the server.
      const defaults: Record<string, unknown> = {};
      for (const k of keys) {
        const d = s.items.properties?.[k]?.default;
        if (d !== undefined) defaults[k] = d;
      }
      node.listKey = { fields: keys, defaults: Object.keys(defaults).length > 0 ? defaults : undefined };
    }
  }
  return node;
}

import { createHash } from "node:crypto";
import { parseAllDocuments, stringify } from "yaml";
import type { KubeObject } from "../drift/types.js";
import { MANIFEST_YAML } from "../lib/manifest-yaml.js";
import { badRequest } from "./errors.js";

// A unit's data: multi-document Kubernetes YAML. Validated on every write so that nothing unreadable is stored.

export function dataHash(data: string): string {
  return createHash("sha256").update(data, "utf8").digest("hex");
}

/** Parses unit data into its objects; throws 400 naming document, line and column when it is not valid. */
export function parseUnitData(data: string): KubeObject[] {
  const objects: KubeObject[] = [];
  const docs = parseAllDocuments(data, { ...MANIFEST_YAML, prettyErrors: false, uniqueKeys: true });
  if (!Array.isArray(docs)) return objects; // an empty stream
  docs.forEach((doc, i) => {
    const err = doc.errors[0];
    if (err) {
      const pos = err.pos?.[0] !== undefined ? lineCol(data, err.pos[0]) : undefined;
      const where = pos ? `line ${pos.line}, column ${pos.col}` : `document ${i + 1}`;
      throw badRequest(`invalid YAML at ${where}: ${firstLine(err.message)}`);
    }
    const value = doc.toJS({ maxAliasCount: 100 }) as unknown;
    if (value === null || value === undefined) return; // empty document (`---` at the end)
    const line = doc.contents?.range ? lineCol(data, doc.contents.range[0]).line : undefined;
    const at = line ? `document ${i + 1} (line ${line})` : `document ${i + 1}`;
    if (typeof value !== "object" || Array.isArray(value)) throw badRequest(`${at} is not a Kubernetes object`);
    const obj = value as Partial<KubeObject>;
    if (typeof obj.apiVersion !== "string" || !obj.apiVersion) throw badRequest(`${at} has no apiVersion`);
    if (typeof obj.kind !== "string" || !obj.kind) throw badRequest(`${at} has no kind`);
    if (typeof obj.metadata?.name !== "string" || !obj.metadata.name) throw badRequest(`${at} has no metadata.name`);
    objects.push(obj as KubeObject);
  });
  return objects;
}

/** Writes objects back as multi-document YAML (used after merges and functions). */
export function formatUnitData(objects: readonly unknown[]): string {
  return objects.map((o) => stringify(o, { ...MANIFEST_YAML, lineWidth: 0 })).join("---\n");
}

/** Identity of a document inside a unit: group/kind/namespace/name (the version may change). */
export function documentKey(obj: KubeObject): string {
  const group = obj.apiVersion.includes("/") ? obj.apiVersion.split("/")[0] : "";
  return `${group}/${obj.kind}/${obj.metadata.namespace ?? ""}/${obj.metadata.name}`;
}

function firstLine(message: string): string {
  return message.split("\n")[0];
}

function lineCol(text: string, offset: number): { line: number; col: number } {
  let line = 1;
  let start = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      start = i + 1;
    }
  }
  return { line, col: offset - start + 1 };
}

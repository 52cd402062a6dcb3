// `accept`'s edit of a unit's data: the live values of the drifted paths written into the one YAML document that
// declares the object, through the yaml Document API so comments, order and the other documents stay as they were.

import YAML, { type Document, isMap, isScalar, isSeq, type YAMLSeq } from "yaml";
import { parsePointer, readKey } from "../drift/paths.js";
import type { Change, ObjectRef } from "../drift/types.js";
import { ExpectedError } from "../lib/errors.js";
import { MANIFEST_YAML } from "../lib/manifest-yaml.js";

/** The edit cannot be made as asked: the document is not there, or a path does not fit it. */
export class UnitEditError extends ExpectedError {
  override readonly name = "UnitEditError";
}

type YamlPath = Array<string | number>;

/** The unit's data with `changes` accepted: `changed`/`added` take the live value, `removed` is deleted. */
export function acceptIntoUnitData(data: string, ref: ObjectRef, changes: readonly Change[]): string {
  const docs = YAML.parseAllDocuments(data, MANIFEST_YAML);
  const index = docs.findIndex((d) => declares(d, ref));
  if (index < 0) throw new UnitEditError(`the unit's data declares no ${describeRef(ref)}`);
  const doc = docs[index] as Document.Parsed;
  if (doc.errors.length > 0) throw new UnitEditError(`the unit's YAML does not parse: ${doc.errors[0]?.message}`);

  // Deletions last and deepest list items first, so earlier edits do not move the items later ones address.
  const ordered = [...changes].sort((a, b) => (a.type === "removed" ? 1 : 0) - (b.type === "removed" ? 1 : 0));
  const deletions: YamlPath[] = [];
  for (const change of ordered) {
    const { path, appendTo } = resolve(doc, change);
    if (change.type === "removed") {
      if (path) deletions.push(path);
      continue;
    }
    if (path) setValue(doc, path, change.live);
    else if (appendTo) appendItem(doc, appendTo, change.live);
  }
  for (const path of deletions.sort(compareForDeletion)) doc.deleteIn(path);

  // Only the edited document is re-rendered; the others keep their bytes.
  let out = "";
  let at = 0;
  docs.forEach((d, i) => {
    const end = d.range[2];
    out += i === index ? d.toString(renderOptions(data.slice(at, end))) : data.slice(at, end);
    at = end;
  });
  return out + data.slice(at);
}

// Re-render in the document's own habits: no folding of long lines, flow maps padded (`{ a: 1 }`) only if they were.
function renderOptions(original: string): YAML.ToStringOptions {
  const padded = /[{[] \S/.test(original);
  const tight = /[{[][^\s}\]]/.test(original);
  return { lineWidth: 0, flowCollectionPadding: padded || !tight };
}

function declares(doc: Document.Parsed, ref: ObjectRef): boolean {
  const js = doc.toJS() as { kind?: unknown; metadata?: { name?: unknown; namespace?: unknown } } | null;
  if (!js || typeof js !== "object") return false;
  if (js.kind !== ref.kind || js.metadata?.name !== ref.name) return false;
  const ns = js.metadata?.namespace;
  return ns === undefined || ns === null || ns === "" || ns === ref.namespace;
}

interface Resolved {
  /** Where the value is (or goes) in the document. */
  path?: YamlPath;
  /** An added list item: the list it is appended to. */
  appendTo?: YamlPath;
}

/**
 * Maps a change onto the desired document. The pointer gives the structure; list items are found by the merge
 * key that the change's `field` names (`[name=backend]`), since pointer indexes are those of the live side.
 */
function resolve(doc: Document, change: Change): Resolved {
  const tokens = parsePointer(change.path);
  const selectors = itemSelectors(change.field);
  const path: YamlPath = [];
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    const node = path.length === 0 ? doc.contents : doc.getIn(path, true);
    const last = i === tokens.length - 1;
    if (isSeq(node) || (node === undefined && /^\d+$/.test(token) && change.type === "added")) {
      const selector = selectors.shift();
      const found = isSeq(node) ? findItem(node as YAMLSeq, selector, token) : -1;
      if (found >= 0) {
        path.push(found);
        continue;
      }
      if (last && change.type === "added") return { appendTo: path };
      if (last && change.type === "removed") return {};
      throw new UnitEditError(`${change.field}: no such list item in the unit's data`);
    }
    if (node !== undefined && !isMap(node) && !(path.length === 0 && node === null)) {
      throw new UnitEditError(`${change.field}: the unit's data has a value, not a map, at ${render(path)}`);
    }
    path.push(token);
  }
  return { path };
}

/** The `[k=v,…]` or `[index]` item parts of a field, in order (quoted `["key"]` parts are map keys, skipped). */
export function itemSelectors(field: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < field.length; i++) {
    if (field[i] !== "[") continue;
    if (field[i + 1] === '"') {
      // JSON string key: skip to its closing quote and bracket
      let j = i + 2;
      while (j < field.length && !(field[j] === '"' && field[j - 1] !== "\\")) j++;
      i = j + 1;
      continue;
    }
    const close = field.indexOf("]", i);
    if (close < 0) break;
    out.push(field.slice(i + 1, close));
    i = close;
  }
  return out;
}

function findItem(seq: YAMLSeq, selector: string | undefined, token: string): number {
  const items = (seq.toJSON() as unknown[]) ?? [];
  if (selector === undefined || /^\d+$/.test(selector)) {
    const i = Number(selector ?? token);
    return i < items.length ? i : -1;
  }
  const pairs = selector.split(",").map((p) => {
    const eq = p.indexOf("=");
    return [p.slice(0, eq), p.slice(eq + 1)] as const;
  });
  return items.findIndex((item) =>
    pairs.every(([k, v]) => {
      const actual = readKey(item, k);
      const shown = typeof actual === "object" && actual !== null ? JSON.stringify(actual) : String(actual);
      return actual !== undefined && shown === v;
    }),
  );
}

// A scalar keeps its node (and so its comment); anything else gets a new node.
function setValue(doc: Document, path: YamlPath, value: unknown): void {
  const existing = doc.getIn(path, true);
  const fresh = node(doc, value);
  if (isScalar(existing) && isScalar(fresh)) {
    existing.value = fresh.value;
    existing.type = fresh.type;
  } else doc.setIn(path, fresh);
}

function appendItem(doc: Document, listPath: YamlPath, value: unknown): void {
  const list = doc.getIn(listPath, true);
  if (isSeq(list)) list.items.push(node(doc, value));
  else doc.setIn(listPath, node(doc, [value]));
}

// Kubernetes reads YAML with 1.1 habits: `yes`, `on`, `0755` or `1e3` unquoted would come back as another type.
const AMBIGUOUS =
  /^(y|yes|n|no|on|off|true|false|null|~|[-+]?[0-9][0-9_.:eE+-]*|[-+]?\.(inf|nan)|0x[0-9a-f]+|0o?[0-7]+)$/i;
function node(doc: Document, value: unknown): ReturnType<Document["createNode"]> {
  const created = doc.createNode(value);
  YAML.visit(created, {
    Scalar(_key, scalar) {
      if (typeof scalar.value === "string" && (AMBIGUOUS.test(scalar.value) || scalar.value === "")) {
        scalar.type = "QUOTE_DOUBLE";
      }
    },
  });
  return created;
}

function compareForDeletion(a: YamlPath, b: YamlPath): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    if (a[i] === b[i]) continue;
    if (typeof a[i] === "number" && typeof b[i] === "number") return (b[i] as number) - (a[i] as number);
    return String(a[i]) < String(b[i]) ? 1 : -1;
  }
  return b.length - a.length;
}

function render(path: YamlPath): string {
  return path.length === 0 ? "the top" : path.join(".");
}

function describeRef(ref: ObjectRef): string {
  return `${ref.kind} ${ref.namespace ? `${ref.namespace}/` : ""}${ref.name}`;
}

// Where a drift record's field is in an object now. A record's pointer holds list indexes as they were when the
// drift was recorded; removing an extra item (or anyone else's write) shifts the items after it. Keyed lists
// (containers, env, ports: the engine's merge keys) are therefore followed by the key the record's `field` names
// (`containers[name=app].env[name=LEVEL].value`), the way the engine matched them; lists without a key stay
// positional, as the engine compares them.
import { listKeyOf } from "../drift/normalize.js";
import { escapeToken, parsePointer, type Seg, segsToField, segsToPointer } from "../drift/paths.js";
import { childOf, type SchemaNode } from "../drift/schema.js";

/** A field as a drift record (or a diff) names it: its pointer, and the engine's keyed form of it. */
export interface FieldRef {
  path: string;
  field: string;
}

/** A field found in one object: the pointer into that object, and its keyed form rendered from that object. */
export interface Located {
  pointer: string;
  field: string;
}

/**
 * Finds `ref` in `root`. Map keys come from the pointer; an item of a keyed list is the one whose key the field
 * names (its index in `ref.path` may belong to another version of the object); an item of a positional list is
 * taken by index. undefined: not there. Of several items carrying the named key, the one at the recorded index;
 * none there throws AmbiguousKeyError (which one the record meant cannot be known). A field that is not in the
 * engine's keyed form (a hand-written record) is followed by index all the way.
 */
export function locate(root: unknown, ref: FieldRef, schema: SchemaNode | undefined): Located | undefined {
  return walk(root, ref, schema, false);
}

/**
 * The pointer of `ref` in `root` as far as `root` holds it; below the first missing step, `ref.path` as written.
 * For naming, in one object's terms, a field that a write adds to it.
 */
export function pointerIn(root: unknown, ref: FieldRef, schema: SchemaNode | undefined): string {
  return walk(root, ref, schema, true)?.pointer ?? ref.path;
}

function walk(root: unknown, ref: FieldRef, schema: SchemaNode | undefined, partial: boolean): Located | undefined {
  const tokens = parsePointer(ref.path);
  const segs: Seg[] = [];
  let node = root;
  let at = schema;
  let byKey = true;
  const rest = (n: number): Located | undefined =>
    partial
      ? {
          pointer:
            segsToPointer(segs) +
            tokens
              .slice(n)
              .map((t) => `/${escapeToken(t)}`)
              .join(""),
          field: "",
        }
      : undefined;
  for (const [n, token] of tokens.entries()) {
    if (Array.isArray(node)) {
      // The key renders the item as the engine would, even where the field is followed by index.
      const key = listKeyOf(at, node, node);
      let index = -1;
      if (key === undefined || !byKey) {
        index = indexToken(token, node.length);
      } else if (ref.field[segsToField(segs).length] !== "[") {
        byKey = false; // not the engine's form: from here on, indexes as written
        index = indexToken(token, node.length);
      } else {
        const matches: number[] = [];
        for (let j = 0; j < node.length; j++) {
          const candidate: Seg = { item: node[j], index: j, key: key.fields, keyDefaults: key.defaults };
          if (continuesWith(ref.field, segsToField([...segs, candidate]))) matches.push(j);
        }
        // Items with the same key (the API allows duplicate env var names): only the one still at the recorded
        // index can be meant; the values checked later tell whether it is.
        index =
          matches.length === 1 ? matches[0]! : matches.includes(indexToken(token, node.length)) ? Number(token) : -1;
        if (matches.length > 1 && index < 0) {
          if (partial) return rest(n);
          throw new AmbiguousKeyError(ref.field);
        }
      }
      if (index < 0) return rest(n);
      segs.push({ item: node[index], index, key: key?.fields, keyDefaults: key?.defaults });
      node = node[index];
      at = at?.item;
      continue;
    }
    if (node === null || typeof node !== "object" || !Object.hasOwn(node, token)) return rest(n);
    segs.push(token);
    if (byKey && !continuesWith(ref.field, segsToField(segs))) byKey = false;
    node = (node as Record<string, unknown>)[token];
    at = childOf(at, token);
  }
  return { pointer: segsToPointer(segs), field: segsToField(segs) };
}

/** Two items of a keyed list carry the key a field names (the API allows duplicate env var names, for one). */
export class AmbiguousKeyError extends Error {
  override readonly name = "AmbiguousKeyError";
  constructor(readonly field: string) {
    super(`more than one list item matches ${field}`);
  }
}

/** `field` is `prefix` or continues below it (a map key or a list item follows). */
function continuesWith(field: string, prefix: string): boolean {
  if (!field.startsWith(prefix)) return false;
  const next = field[prefix.length];
  return next === undefined || next === "." || next === "[";
}

function indexToken(token: string, length: number): number {
  const i = /^\d+$/.test(token) ? Number(token) : -1;
  return i < length ? i : -1;
}

/** `field` is `within` or below it, in the keyed form (`env[name=A]` holds `env[name=A].value`, not `env[name=AB]`). */
export function fieldWithin(field: string, within: string): boolean {
  return within === "" || continuesWith(field, within);
}

// What an action changes in an object: the leaf-level differences between two plain JSON values, by pointer.
// `diffByKey` matches the items of keyed lists (containers, env, ports) by their merge key, as the engine does, so
// removing one item shows as that item removed, not as every later item changed; `diffObjects` compares lists
// item by item at the same index.
import { findByKey, listKeyOf } from "../drift/normalize.js";
import { PathStack } from "../drift/paths.js";
import { childOf, type SchemaNode } from "../drift/schema.js";
import { jsonEqual } from "../lib/json.js";
import type { FieldChange } from "./types.js";

/** Server bookkeeping that every write changes; never part of what an action "changes". */
const BOOKKEEPING = ["/metadata/managedFields", "/metadata/resourceVersion", "/metadata/generation", "/status"];

/** A difference, also named in the engine's keyed form, which stays the same when list indexes shift. */
export interface KeyedFieldChange extends FieldChange {
  /** `spec.template.spec.containers[name=app].image`; list items by index where the list has no key. */
  field: string;
  /** The keyed forms of every leaf it covers: a whole item added or removed covers each of its fields. */
  leaves: string[];
}

/** Positional: list items compared at the same index. */
export function diffObjects(before: unknown, after: unknown): FieldChange[] {
  return new Diff(undefined, false).run(before, after).map(({ field: _f, leaves: _l, ...change }) => change);
}

/**
 * Keyed lists matched by merge key along `schema` (the engine's schema of the kind; unknown lists are keyed by a
 * unique `name`, as in the engine). Pointers index an item where it is in `before`, else where it is in `after`.
 */
export function diffByKey(before: unknown, after: unknown, schema: SchemaNode | undefined): KeyedFieldChange[] {
  return new Diff(schema, true).run(before, after);
}

class Diff {
  private readonly path = new PathStack();
  private readonly out: KeyedFieldChange[] = [];

  constructor(
    private readonly schema: SchemaNode | undefined,
    private readonly keyed: boolean,
  ) {}

  run(before: unknown, after: unknown): KeyedFieldChange[] {
    this.walk(before, after, this.schema);
    return this.out.filter((c) => !BOOKKEEPING.some((b) => c.path === b || c.path.startsWith(`${b}/`)));
  }

  private walk(a: unknown, b: unknown, node: SchemaNode | undefined): void {
    if (jsonEqual(a, b)) return;
    if (isMap(a) && isMap(b)) {
      for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
        this.path.pushKey(key);
        this.walk(a[key], b[key], childOf(node, key));
        this.path.pop();
      }
      return;
    }
    if (Array.isArray(a) && Array.isArray(b)) {
      this.list(a, b, node);
      return;
    }
    const change: KeyedFieldChange = { path: this.path.pointer(), field: this.path.fieldString(), leaves: [] };
    if (a !== undefined) change.before = a;
    if (b !== undefined) change.after = b;
    change.leaves = [...new Set([...this.leaves(a, node), ...this.leaves(b, node)])];
    this.out.push(change);
  }

  private list(a: unknown[], b: unknown[], node: SchemaNode | undefined): void {
    const key = this.keyed ? listKeyOf(node, a, b) : undefined;
    if (key === undefined) {
      for (let i = 0; i < Math.max(a.length, b.length); i++) {
        this.path.pushItem(i < a.length ? a[i] : b[i], i, undefined);
        this.walk(a[i], b[i], node?.item);
        this.path.pop();
      }
      return;
    }
    const taken = new Uint8Array(b.length);
    for (let i = 0; i < a.length; i++) {
      const j = findByKey(b, a[i], key, taken);
      if (j >= 0) taken[j] = 1;
      this.path.pushItem(a[i], i, key.fields, key.defaults);
      this.walk(a[i], j >= 0 ? b[j] : undefined, node?.item);
      this.path.pop();
    }
    for (let j = 0; j < b.length; j++) {
      if (taken[j] === 1) continue;
      this.path.pushItem(b[j], j, key.fields, key.defaults);
      this.walk(undefined, b[j], node?.item);
      this.path.pop();
    }
  }

  /** The keyed forms of the leaves of one side's value at the current position. */
  private leaves(v: unknown, node: SchemaNode | undefined): string[] {
    if (v === undefined) return [];
    const out: string[] = [];
    const visit = (x: unknown, n: SchemaNode | undefined): void => {
      if (isMap(x) && Object.keys(x).length > 0) {
        for (const [k, child] of Object.entries(x)) {
          this.path.pushKey(k);
          visit(child, childOf(n, k));
          this.path.pop();
        }
      } else if (Array.isArray(x) && x.length > 0) {
        const key = this.keyed ? listKeyOf(n, x, x) : undefined;
        x.forEach((item, i) => {
          this.path.pushItem(item, i, key?.fields, key?.defaults);
          visit(item, n?.item);
          this.path.pop();
        });
      } else out.push(this.path.fieldString());
    };
    visit(v, node);
    return out;
  }
}

function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

// Where a Secret keeps values: its data, and the copy client-side `kubectl apply` leaves in an annotation.
const SECRET_VALUE_PATHS =
  /^\/(data|stringData|metadata\/annotations\/kubectl\.kubernetes\.io~1last-applied-configuration)(\/|$)/;

/** Secret values never leave: a Secret's data/stringData values become "***" (changed or not is still visible). */
export function maskSecretFields<T extends FieldChange>(kind: string, changes: T[]): T[] {
  if (kind !== "Secret") return changes;
  return changes.map((c) => {
    if (!SECRET_VALUE_PATHS.test(c.path) && !(c.path === "/metadata/annotations" || c.path === "/metadata")) return c;
    const masked = { ...c };
    if (c.before !== undefined) masked.before = "***";
    if (c.after !== undefined) masked.after = "***";
    return masked;
  });
}

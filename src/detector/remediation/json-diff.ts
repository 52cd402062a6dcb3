// What an action changes in an object: the leaf-level differences between two plain JSON values, by pointer.
// Lists are compared item by item at the same index (enough for previews of one object's before and after).
import { escapeToken } from "../../drift/paths.js";
import { jsonEqual } from "./pointer.js";
import type { FieldChange } from "./types.js";

/** Server bookkeeping that every write changes; never part of what an action "changes". */
const BOOKKEEPING = ["/metadata/managedFields", "/metadata/resourceVersion", "/metadata/generation", "/status"];

export function diffObjects(before: unknown, after: unknown): FieldChange[] {
  const out: FieldChange[] = [];
  walk(before, after, "", out);
  return out.filter((c) => !BOOKKEEPING.some((b) => c.path === b || c.path.startsWith(`${b}/`)));
}

function walk(a: unknown, b: unknown, path: string, out: FieldChange[]): void {
  if (jsonEqual(a, b)) return;
  if (isMap(a) && isMap(b)) {
    for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
      walk(a[key], b[key], `${path}/${escapeToken(key)}`, out);
    }
    return;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.max(a.length, b.length); i++) walk(a[i], b[i], `${path}/${i}`, out);
    return;
  }
  const change: FieldChange = { path };
  if (a !== undefined) change.before = a;
  if (b !== undefined) change.after = b;
  out.push(change);
}

function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

// Where a Secret keeps values: its data, and the copy client-side `kubectl apply` leaves in an annotation.
const SECRET_VALUE_PATHS =
  /^\/(data|stringData|metadata\/annotations\/kubectl\.kubernetes\.io~1last-applied-configuration)(\/|$)/;

/** Secret values never leave: a Secret's data/stringData values become "***" (changed or not is still visible). */
export function maskSecretFields(kind: string, changes: FieldChange[]): FieldChange[] {
  if (kind !== "Secret") return changes;
  return changes.map((c) => {
    if (!SECRET_VALUE_PATHS.test(c.path) && !(c.path === "/metadata/annotations" || c.path === "/metadata")) return c;
    const masked: FieldChange = { path: c.path };
    if (c.before !== undefined) masked.before = "***";
    if (c.after !== undefined) masked.after = "***";
    return masked;
  });
}

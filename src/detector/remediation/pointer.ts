// Reading and writing plain JSON by RFC 6901 pointer (pure, on copies the caller owns).
import { escapeToken, parsePointer } from "../../drift/paths.js";

export function getAt(root: unknown, pointer: string): unknown {
  let node: unknown = root;
  for (const token of parsePointer(pointer)) {
    if (Array.isArray(node)) node = node[Number(token)];
    else if (node && typeof node === "object") node = (node as Record<string, unknown>)[token];
    else return undefined;
    if (node === undefined) return undefined;
  }
  return node;
}

/** Removes the value at `pointer` in place; list items are spliced out. False when there was nothing. */
export function removeAt(root: unknown, pointer: string): boolean {
  const tokens = parsePointer(pointer);
  const last = tokens.pop();
  if (last === undefined) return false;
  const parent = getAt(
    root,
    tokens
      .map(escapeToken)
      .map((t) => `/${t}`)
      .join(""),
  );
  if (Array.isArray(parent)) {
    const i = Number(last);
    if (!Number.isInteger(i) || i < 0 || i >= parent.length) return false;
    parent.splice(i, 1);
    return true;
  }
  if (parent && typeof parent === "object" && Object.hasOwn(parent, last)) {
    delete (parent as Record<string, unknown>)[last];
    return true;
  }
  return false;
}

/** Deep equality of plain JSON values (map order does not matter). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== "object") return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((v, i) => jsonEqual(v, bb[i]));
  }
  const ka = Object.keys(a as object);
  const kb = Object.keys(b as object);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => Object.hasOwn(b as object, k) && jsonEqual((a as never)[k], (b as never)[k]));
}

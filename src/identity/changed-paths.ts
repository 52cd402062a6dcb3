import { createHash } from "node:crypto";
import { escapeToken, getAt } from "../lib/json-pointer.js";

/** The JSON pointers of the leaves that differ between two objects; metadata bookkeeping is skipped. */
export function changedPaths(oldObj: unknown, newObj: unknown): string[] {
  const out: string[] = [];
  walk(oldObj, newObj, "", out);
  return out.filter((p) => !isBookkeeping(p));
}

const BOOKKEEPING = [
  "/apiVersion",
  "/kind",
  "/metadata/managedFields",
  "/metadata/resourceVersion",
  "/metadata/generation",
  "/status",
];

/** A path no person's write is about: the type, metadata the server keeps, status. */
export function isBookkeeping(path: string): boolean {
  return BOOKKEEPING.some((s) => path === s || path.startsWith(`${s}/`));
}

function walk(a: unknown, b: unknown, at: string, out: string[]): void {
  if (isContainer(a) && isContainer(b) && Array.isArray(a) === Array.isArray(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const k of keys) {
      walk((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${at}/${escapeToken(k)}`, out);
    }
    return;
  }
  if (JSON.stringify(a) !== JSON.stringify(b)) out.push(at);
}

function isContainer(v: unknown): v is object {
  return typeof v === "object" && v !== null;
}

/**
 * A digest of the value at `pointer` (key order aside; absent has its own): what a write left there, compared later
 * with the live object without keeping the value itself (it may be a Secret's).
 */
export function digestAt(obj: unknown, pointer: string): string {
  const v = getAt(obj, pointer);
  return createHash("sha256")
    .update(v === undefined ? "absent" : canonical(v))
    .digest("base64url")
    .slice(0, 22);
}

function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(",")}]`;
  if (isContainer(v)) {
    const entries = Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${canonical(x)}`).join(",")}}`;
  }
  return JSON.stringify(v);
}

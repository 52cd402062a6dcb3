import { escapeToken } from "../lib/json-pointer.js";

/** The JSON pointers of the leaves that differ between two objects; metadata bookkeeping is skipped. */
export function changedPaths(oldObj: unknown, newObj: unknown): string[] {
  const out: string[] = [];
  walk(oldObj, newObj, "", out);
  return out.filter((p) => !SKIPPED.some((s) => p === s || p.startsWith(`${s}/`)));
}

const SKIPPED = ["/metadata/managedFields", "/metadata/resourceVersion", "/metadata/generation", "/status"];

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

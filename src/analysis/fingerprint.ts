// A drift's fingerprint: equal for the same departure (same object, same fields, same values), whoever reports it
// and whenever. Attribution and order are left out on purpose, so a re-detection of the same drift hits the cache.
import { createHash } from "node:crypto";
import type { ResourceResult } from "../drift/types.js";

/** Stable JSON: object keys sorted at every depth. */
export function canonicalJson(value: unknown): string {
  if (value === undefined) return "null";
  if (value === null || typeof value !== "object") return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
}

/** sha256 over ref, status and the sorted changes' path/type/values; 32 hex characters. */
export function driftFingerprint(result: Pick<ResourceResult, "ref" | "status" | "changes">): string {
  const { apiVersion, kind, namespace, name } = result.ref;
  const changes = result.changes
    .map((c) => ({ path: c.path, type: c.type, desired: c.desired, live: c.live }))
    .sort((a, b) => (a.path === b.path ? (a.type < b.type ? -1 : 1) : a.path < b.path ? -1 : 1));
  const material = canonicalJson({
    ref: { apiVersion, kind, namespace: namespace ?? "", name },
    status: result.status,
    changes,
  });
  return createHash("sha256").update(material).digest("hex").slice(0, 32);
}

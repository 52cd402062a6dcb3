// Secret values never leave the engine: each becomes "***" plus a short keyed hash, so equal values still look
// equal and different ones different, but a short password cannot be recovered by hashing guesses without the key.
import { createHmac } from "node:crypto";
import type { Seg } from "./paths.js";

export const DEFAULT_SECRET_HASH_KEY = "drift-detector/secret-hash/v1";

/** Whether a path inside an object of this kind holds Secret values. */
export function isSecretPath(isSecret: boolean, segs: readonly Seg[]): boolean {
  if (!isSecret || segs.length === 0) return false;
  const first = segs[0];
  return first === "data" || first === "stringData";
}

export function maskScalar(value: unknown, key: string): string {
  const text = typeof value === "string" ? value : JSON.stringify(value);
  return `***${createHmac("sha256", key).update(text).digest("hex").slice(0, 8)}`;
}

/** Masks every leaf of a value (a single Secret value, or a whole `data` map). */
export function maskValue(value: unknown, key: string): unknown {
  if (value === undefined) return undefined;
  if (value !== null && typeof value === "object") {
    if (Array.isArray(value)) return value.map((v) => maskValue(v, key));
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = maskValue(v, key);
    return out;
  }
  return maskScalar(value, key);
}

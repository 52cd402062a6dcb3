// Secret values never leave the engine: each becomes "***" plus a short keyed hash, so equal values still look
// equal and different ones different, but a short password cannot be recovered by hashing guesses without the key.
import { createHmac } from "node:crypto";

/** For one-shot commands (check): `run` uses its per-install key (src/service/hash-key.ts), never this one. */
export const DEFAULT_SECRET_HASH_KEY = "drift-detector/secret-hash/v1";

export function maskScalar(value: unknown, key: string): string {
  const text = typeof value === "string" ? value : JSON.stringify(value);
  return `***${createHmac("sha256", key).update(text).digest("hex").slice(0, 8)}`;
}

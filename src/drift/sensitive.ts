// Which leaves of an object are secret besides Secret data (issue 15, "masking in every channel"): ConfigMap values
// and annotations under secret-like keys, env var values under secret-like names, and any value that looks like a
// credential. The engine masks them where a Change is made, so no channel downstream sees them in clear.
import { isSecretName, looksLikeCredential } from "../lib/secret-names.js";
import type { Seg } from "./paths.js";

export interface SensitiveKind {
  /** A core Secret: everything under data/stringData. */
  secret: boolean;
  configMap: boolean;
}

const name = (s: Seg | undefined): string | undefined => (typeof s === "string" ? s : undefined);

/** Whether the leaf at `segs` holding `value` must be masked. */
export function isSensitiveLeaf(kind: SensitiveKind, segs: readonly Seg[], value: unknown): boolean {
  const [first, second, third] = segs;
  if (kind.secret && (first === "data" || first === "stringData")) return true;
  if (
    kind.configMap &&
    (first === "data" || first === "binaryData") &&
    segs.length === 2 &&
    isSecretName(name(second) ?? "")
  )
    return true;
  if (first === "metadata" && second === "annotations" && isSecretName(name(third) ?? "")) return true;
  const n = segs.length;
  if (n >= 3 && segs[n - 1] === "value" && segs[n - 3] === "env") {
    const item = segs[n - 2];
    const envName = typeof item === "object" ? (item.item as { name?: unknown } | null)?.name : undefined;
    if (typeof envName === "string" && isSecretName(envName)) return true;
  }
  return looksLikeCredential(value);
}

/** `value` (a leaf or a subtree at `segs`) with its sensitive leaves replaced by `mask(leaf)`. */
export function maskSensitive(
  kind: SensitiveKind,
  segs: readonly Seg[],
  value: unknown,
  mask: (leaf: unknown) => string,
): unknown {
  if (value === undefined) return undefined;
  if (Array.isArray(value)) {
    return value.map((v, index) => maskSensitive(kind, [...segs, { item: v, index }], v, mask));
  }
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = maskSensitive(kind, [...segs, k], v, mask);
    return out;
  }
  return isSensitiveLeaf(kind, segs, value) ? mask(value) : value;
}

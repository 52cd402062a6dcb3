// Log redaction by key name: values under secret-looking keys never reach the log, at any depth.
import { isSecretName } from "../lib/secret-names.js";

export const REDACTED = "[redacted]";

/** A copy of `value` with every secret-looking key's value replaced; cycles and depth are bounded. */
export function redactSecrets(value: unknown, depth = 0, seen = new WeakSet<object>()): unknown {
  if (value === null || typeof value !== "object" || depth > 12) return value;
  if (seen.has(value)) return "[circular]";
  seen.add(value);
  if (Array.isArray(value)) return value.map((v) => redactSecrets(v, depth + 1, seen));
  if (value instanceof Error) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] =
      isSecretName(k) && v !== null && v !== undefined && v !== "" ? REDACTED : redactSecrets(v, depth + 1, seen);
  }
  return out;
}

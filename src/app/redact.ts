// Log redaction by key name: values under secret-looking keys never reach the log, at any depth.
const SECRET_KEY = /pass(word|wd)?$|secret|token|api[-_]?key|authorization|credential|private[-_]?key|cookie/i;

export const REDACTED = "[redacted]";

export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key);
}

/** A copy of `value` with every secret-looking key's value replaced; cycles and depth are bounded. */
export function redactSecrets(value: unknown, depth = 0, seen = new WeakSet<object>()): unknown {
  if (value === null || typeof value !== "object" || depth > 12) return value;
  if (seen.has(value)) return "[circular]";
  seen.add(value);
  if (Array.isArray(value)) return value.map((v) => redactSecrets(v, depth + 1, seen));
  if (value instanceof Error) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = isSecretKey(k) && v !== null && v !== undefined && v !== "" ? REDACTED : redactSecrets(v, depth + 1, seen);
  }
  return out;
}

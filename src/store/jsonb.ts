// JSON values for jsonb columns. PostgreSQL's jsonb (and text) cannot hold the NUL character, which Kubernetes
// values may carry (a ConfigMap's data, an annotation): written as is, the whole row is refused. Strings (and keys)
// are therefore stored with a reversible escape, U+E000 (a private-use character) as the escape character:
// NUL is stored as U+E000 "0", U+E000 itself as U+E000 U+E000. Values without either are stored unchanged.

const ESC = "\uE000";
const NUL = "\u0000";
// biome-ignore lint/suspicious/noControlCharactersInRegex: NUL is exactly what is escaped
const TO_ENCODE = /[\u0000\uE000]/g;
const NEEDS_DECODING = /\uE000/;

const encodeString = (s: string): string =>
  s.includes(NUL) || s.includes(ESC) ? s.replace(TO_ENCODE, (c) => (c === NUL ? `${ESC}0` : `${ESC}${ESC}`)) : s;

const decodeString = (s: string): string =>
  NEEDS_DECODING.test(s) ? s.replace(/\uE000([0\uE000])/g, (_m, c: string) => (c === "0" ? NUL : ESC)) : s;

function mapStrings(value: unknown, f: (s: string) => string): unknown {
  if (typeof value === "string") return f(value);
  if (Array.isArray(value)) return value.map((v) => mapStrings(v, f));
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[f(k)] = mapStrings(v, f);
    return out;
  }
  return value;
}

/** The jsonb parameter for `value`. */
export function toJsonb(value: unknown): string {
  const text = JSON.stringify(value);
  // JSON.stringify writes NUL as the escape \u0000 and U+E000 as itself: without either there is nothing to do.
  if (!text.includes("\\u0000") && !text.includes(ESC)) return text;
  return JSON.stringify(mapStrings(value, encodeString));
}

/** The value of a jsonb column as the driver returns it (parsed, or text). */
export function fromJsonb<T>(column: unknown): T {
  const value = typeof column === "string" ? JSON.parse(column) : column;
  return mapStrings(value, decodeString) as T;
}

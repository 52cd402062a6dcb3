// Redaction for everything that leaves the process towards a model or a debug log. The engine already masks
// Secret values; this is the second line: Secret data of any object, values under secret-looking names (env vars,
// data keys, annotation keys), and strings that look like credentials wherever they appear.
import type { Change, ObjectRef } from "../drift/types.js";
import { isSecretName } from "../lib/secret-names.js";

export const REDACTED = "[redacted]";
export const WITHHELD = "[secret value withheld]";

// Kubernetes reference fields whose values are names, not secrets (secretKeyRef.key, secretKeyRef.name).
const REFERENCE_FIELDS = new Set(["key", "name", "secretName", "secretRef", "secretKeyRef"]);
const LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration";

const TEXT_PATTERNS: Array<[RegExp, string]> = [
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)/g, REDACTED],
  [/\b(Bearer|Basic|Token)\s+[A-Za-z0-9._~+/=-]{8,}/gi, `$1 ${REDACTED}`],
  [/\bsk-ant-[A-Za-z0-9_-]{8,}/g, REDACTED],
  [/\bsk-[A-Za-z0-9_-]{20,}/g, REDACTED],
  [/\b(?:gh[pousr]_|github_pat_)[A-Za-z0-9_]{20,}/g, REDACTED],
  [/\bglpat-[A-Za-z0-9_-]{20,}/g, REDACTED],
  [/\bxox[abprs]-[A-Za-z0-9-]{10,}/g, REDACTED],
  [/\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g, REDACTED],
  [/\bAIza[0-9A-Za-z_-]{35}\b/g, REDACTED],
  [/\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g, REDACTED],
  // credentials in URLs: scheme://user:password@host
  [/([a-z][a-z0-9+.-]*:\/\/[^\s:/@]+):[^\s@/]+@/gi, `$1:${REDACTED}@`],
  // password=..., api_key: ..., "token": "..."
  [
    /\b([A-Za-z0-9_.-]*(?:password|passwd|token|secret|api[_-]?key|apikey)[A-Za-z0-9_.-]*"?)(\s*[=:]\s*)("[^"]*"|'[^']*'|[^\s,;&"'}]+)/gi,
    `$1$2${REDACTED}`,
  ],
];

export interface Redactor {
  /** A string with credential-looking parts (and the known secrets) replaced. */
  text(s: string): string;
  /** A deep copy with secrets replaced; `name` is the key or env var name the value sits under, if any. */
  value(v: unknown, name?: string): unknown;
  /** A change safe to show a model: Secret values withheld, secret-named values redacted. */
  change(change: Change, ref: ObjectRef): Change;
}

/** `knownSecrets` (the API key, tokens) are removed verbatim and in base64 wherever they appear. */
export function createRedactor(knownSecrets: readonly string[] = []): Redactor {
  const literals = knownSecrets
    .filter((s) => s.length >= 6)
    .flatMap((s) => [s, Buffer.from(s).toString("base64"), Buffer.from(s).toString("base64").replace(/=+$/, "")])
    .sort((a, b) => b.length - a.length);

  function text(s: string): string {
    let out = s;
    for (const lit of literals) if (out.includes(lit)) out = out.split(lit).join(REDACTED);
    for (const [re, replacement] of TEXT_PATTERNS) out = out.replace(re, replacement);
    return out;
  }

  function value(v: unknown, name?: string, depth = 0): unknown {
    if (typeof v === "string") {
      if (name !== undefined && !REFERENCE_FIELDS.has(name) && isSecretName(name) && v !== "") return REDACTED;
      return text(v);
    }
    if (v === null || typeof v !== "object" || depth > 40) return v;
    if (Array.isArray(v)) return v.map((item) => value(item, undefined, depth + 1));
    const obj = v as Record<string, unknown>;
    // env entries and similar {name, value} pairs: the name decides for the value
    const pairName = typeof obj.name === "string" && "value" in obj ? obj.name : undefined;
    const isSecretObject = obj.kind === "Secret";
    const out: Record<string, unknown> = {};
    for (const [k, child] of Object.entries(obj)) {
      if (isSecretObject && (k === "data" || k === "stringData") && child && typeof child === "object") {
        out[k] = Object.fromEntries(Object.keys(child).map((key) => [key, WITHHELD]));
      } else if (k === LAST_APPLIED) {
        out[k] = "[omitted: last-applied-configuration]";
      } else if (k === "value" && pairName !== undefined) {
        out[k] = value(child, pairName, depth + 1);
      } else {
        out[k] = value(child, k, depth + 1);
      }
    }
    return out;
  }

  function change(c: Change, ref: ObjectRef): Change {
    const segments = c.path.split("/").map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
    const inSecretData = ref.kind === "Secret" && (segments[1] === "data" || segments[1] === "stringData");
    if (c.masked || inSecretData) {
      const out: Change = { ...c, masked: true };
      if ("desired" in c) out.desired = WITHHELD;
      if ("live" in c) out.live = WITHHELD;
      return out;
    }
    // the name the value sits under: an env var from the human field (env[name=DB_PASSWORD].value), else the key
    const envName = /\[name=([^\]]+)\](?:\.value)?$/.exec(c.field)?.[1];
    const last = segments[segments.length - 1];
    const name = envName ?? (last === "value" ? undefined : last);
    const out: Change = { ...c, field: text(c.field) };
    if ("desired" in c) out.desired = value(c.desired, name);
    if ("live" in c) out.live = value(c.live, name);
    return out;
  }

  return { text, value: (v, name) => value(v, name), change };
}

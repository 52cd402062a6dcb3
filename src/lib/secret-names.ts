// The one rule for "a value under this name is a secret": env var names, ConfigMap and Secret data keys, annotation
// keys, log fields, headers. Over-redaction is the safe side.
const SECRET_NAME = /PASSWORD|PASSWD|PASSPHRASE|PASS$|TOKEN|KEY|SECRET|CREDENTIAL|PRIVATE|AUTHORIZATION|COOKIE/i;

export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name);
}

// Values that are credentials whatever name they sit under: private keys, JWTs, URLs with a password, tokens with a
// known prefix, `password=…` assignments.
const CREDENTIAL_VALUE = [
  /-----BEGIN [A-Z ]*PRIVATE KEY-----/,
  /\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/,
  /[a-z][a-z0-9+.-]*:\/\/[^\s:/@]+:[^\s@/]+@/i,
  /\b(?:sk-ant-[A-Za-z0-9_-]{8,}|sk-[A-Za-z0-9_-]{20,}|gh[pousr]_[A-Za-z0-9_]{20,}|github_pat_[A-Za-z0-9_]{20,}|glpat-[A-Za-z0-9_-]{20,}|xox[abprs]-[A-Za-z0-9-]{10,})/,
  /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/,
  /\b[A-Za-z0-9_.-]*(?:password|passwd|secret|token|api[_-]?key)[A-Za-z0-9_.-]*\s*[=:]\s*\S/i,
];

export function looksLikeCredential(value: unknown): boolean {
  return typeof value === "string" && CREDENTIAL_VALUE.some((re) => re.test(value));
}

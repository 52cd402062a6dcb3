// The one rule for "a value under this name is a secret": env var names, ConfigMap and Secret data keys, annotation
// keys, log fields, headers. Over-redaction is the safe side.
const SECRET_NAME = /PASSWORD|PASSWD|PASSPHRASE|PASS$|TOKEN|KEY|SECRET|CREDENTIAL|PRIVATE|AUTHORIZATION|COOKIE/i;

export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name);
}

// Values that are credentials whatever name they sit under: private keys, JWTs, URLs with a password, tokens with a
// known prefix, `password=…` assignments. Live values are anyone's input, up to 1 MB: each pattern starts only where
// a run of its characters starts (the lookbehinds) and ends at a fixed length, so a scan is linear; tried from every
// position, a 1 MB value took minutes on one pattern.
const CREDENTIAL_VALUE = [
  /-----BEGIN [A-Z ]*PRIVATE KEY-----/,
  /(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8}/,
  /(?<![a-z0-9+.-])[a-z][a-z0-9+.-]*:\/\/[^\s:/@]+:[^\s@/]+@/i,
  /(?<![A-Za-z0-9_-])(?:sk-ant-[A-Za-z0-9_-]{8}|sk-[A-Za-z0-9_-]{20}|gh[pousr]_[A-Za-z0-9_]{20}|github_pat_[A-Za-z0-9_]{20}|glpat-[A-Za-z0-9_-]{20}|xox[abprs]-[A-Za-z0-9-]{10})/,
  /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/,
];
// A name assigned a value (`db.password = …`): the whole name, then a test of the name.
const ASSIGNED_NAME = /(?<![A-Za-z0-9_.-])[A-Za-z0-9_.-]+(?=\s*[=:]\s*\S)/g;
const CREDENTIAL_NAME = /password|passwd|secret|token|api[_-]?key/i;

export function looksLikeCredential(value: unknown): boolean {
  if (typeof value !== "string") return false;
  if (CREDENTIAL_VALUE.some((re) => re.test(value))) return true;
  for (const [name] of value.matchAll(ASSIGNED_NAME)) if (CREDENTIAL_NAME.test(name)) return true;
  return false;
}

// The one rule for "a value under this name is a secret": env var names, ConfigMap and Secret data keys, annotation
// keys, log fields, headers. Over-redaction is the safe side.
const SECRET_NAME = /PASSWORD|PASSWD|PASSPHRASE|PASS$|TOKEN|KEY|SECRET|CREDENTIAL|PRIVATE|AUTHORIZATION|COOKIE/i;

export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name);
}

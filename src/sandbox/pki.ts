import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { chmod, mkdir, readdir, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { SandboxError } from "./errors.js";

/** File names under D/pki. Keys are P-256 EC keys (fast to make; Kubernetes accepts them for TLS and tokens). */
export const PKI_FILES = {
  caCert: "ca.crt",
  caKey: "ca.key",
  servingCert: "apiserver.crt",
  servingKey: "apiserver.key",
  adminCert: "admin.crt",
  adminKey: "admin.key",
  controllerManagerCert: "controller-manager.crt",
  controllerManagerKey: "controller-manager.key",
  frontProxyCaCert: "front-proxy-ca.crt",
  frontProxyCaKey: "front-proxy-ca.key",
  serviceAccountKey: "sa.key",
  serviceAccountPub: "sa.pub",
} as const;

/** The apiserver's names: loopback, plus the in-cluster service names and the first service IP of 10.0.0.0/24. */
const SERVING_NAMES = [
  "IP:127.0.0.1",
  "DNS:localhost",
  "IP:10.0.0.1",
  "DNS:kubernetes",
  "DNS:kubernetes.default",
  "DNS:kubernetes.default.svc",
  "DNS:kubernetes.default.svc.cluster.local",
];

const OPENSSL_CONFIG = `[req]
distinguished_name = dn
[dn]
[ca]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign,digitalSignature
subjectKeyIdentifier = hash
[server]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = ${SERVING_NAMES.join(",")}
[client]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = clientAuth
`;

/**
 * Makes D/pki once (kept across restarts so kubeconfigs stay valid): a CA, the apiserver serving certificate, client
 * certificates for the admin (group system:masters) and the controller manager (user system:kube-controller-manager,
 * bound by the bootstrap RBAC policy), and the service-account signing key pair. Written to a temp folder and renamed,
 * so an interrupted run leaves no half PKI.
 */
export async function ensurePki(pkiDir: string): Promise<void> {
  if (Object.values(PKI_FILES).every((f) => existsSync(join(pkiDir, f)))) return;
  const tmp = `${pkiDir}.tmp-${process.pid}`;
  await rm(tmp, { recursive: true, force: true });
  await mkdir(tmp, { recursive: true, mode: 0o700 });
  try {
    const cnf = join(tmp, "openssl.cnf");
    await writeFile(cnf, OPENSSL_CONFIG);
    const f = (name: string) => join(tmp, name);
    const days = "3650";
    await openssl(["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", f(PKI_FILES.caKey)]);
    await openssl([
      ...["req", "-x509", "-new", "-key", f(PKI_FILES.caKey), "-subj", "/CN=drift-detector-sandbox-ca"],
      ...["-days", days, "-config", cnf, "-extensions", "ca", "-out", f(PKI_FILES.caCert)],
    ]);
    // The request-header (front proxy) CA real clusters have; without it the controller manager logs errors forever.
    await openssl(["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", f(PKI_FILES.frontProxyCaKey)]);
    await openssl([
      ...["req", "-x509", "-new", "-key", f(PKI_FILES.frontProxyCaKey), "-subj", "/CN=drift-detector-front-proxy-ca"],
      ...["-days", days, "-config", cnf, "-extensions", "ca", "-out", f(PKI_FILES.frontProxyCaCert)],
    ]);
    const leaf = async (cert: string, key: string, subject: string, extensions: "server" | "client") => {
      await openssl(["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", f(key)]);
      await openssl(["req", "-new", "-key", f(key), "-subj", subject, "-config", cnf, "-out", f(`${cert}.csr`)]);
      await openssl([
        ...["x509", "-req", "-in", f(`${cert}.csr`), "-CA", f(PKI_FILES.caCert), "-CAkey", f(PKI_FILES.caKey)],
        ...["-set_serial", `0x${randomBytes(12).toString("hex")}`, "-days", days],
        ...["-extfile", cnf, "-extensions", extensions, "-out", f(cert)],
      ]);
    };
    await leaf(PKI_FILES.servingCert, PKI_FILES.servingKey, "/CN=kube-apiserver", "server");
    await leaf(PKI_FILES.adminCert, PKI_FILES.adminKey, "/O=system:masters/CN=drift-detector-admin", "client");
    await leaf(
      PKI_FILES.controllerManagerCert,
      PKI_FILES.controllerManagerKey,
      "/CN=system:kube-controller-manager",
      "client",
    );
    await openssl(["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", f(PKI_FILES.serviceAccountKey)]);
    await openssl(["ec", "-in", f(PKI_FILES.serviceAccountKey), "-pubout", "-out", f(PKI_FILES.serviceAccountPub)]);
    for (const entry of await readdir(tmp)) {
      if (entry.endsWith(".csr") || entry === "openssl.cnf") await rm(join(tmp, entry));
      else await chmod(join(tmp, entry), entry.endsWith(".key") ? 0o600 : 0o644);
    }
    await rm(pkiDir, { recursive: true, force: true });
    await rename(tmp, pkiDir);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

async function openssl(args: string[]): Promise<void> {
  try {
    await promisify(execFile)("openssl", args);
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === "ENOENT") {
      throw new SandboxError(
        "openssl is not installed; the sandbox needs it to make its certificates (apt-get install openssl)",
      );
    }
    throw new SandboxError(
      `openssl ${args[0]} failed: ${(e.stderr ?? e.message).trim().split("\n").slice(-3).join(" | ")}`,
    );
  }
}

// The admission webhook's serving certificate: from a mounted Secret (tls.crt, tls.key, ca.crt), or a CA and
// a serving certificate generated in memory (ECDSA P-256, @peculiar/x509 over node's webcrypto).
import { webcrypto } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
// @peculiar/x509 resolves its algorithms through tsyringe, which needs the Reflect metadata polyfill.
import "reflect-metadata";
import * as x509 from "@peculiar/x509";
import { ExpectedError } from "../lib/errors.js";

export interface ServingCert {
  /** PEM of the CA the apiserver trusts (caBundle). */
  caPem: string;
  certPem: string;
  keyPem: string;
  /** Epoch milliseconds. */
  notAfter: number;
}

const ALG = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;

// node's webcrypto is the standard Crypto; the library types it with the DOM's declaration.
x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.X509CertificateGenerator.create>[1] & object);

/** A fresh CA and a serving certificate for `hosts` (DNS names or IP addresses), both valid for `validityMs`. */
export async function generateServingCert(hosts: readonly string[], validityMs: number): Promise<ServingCert> {
  const notBefore = new Date(Date.now() - 60_000); // clocks of the apiserver and the detector differ a little
  const notAfter = new Date(Date.now() + validityMs);
  const caKeys = await keyPair();
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    name: "CN=drift-detector admission CA",
    notBefore,
    notAfter,
    keys: caKeys,
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  });
  const keys = await keyPair();
  const cert = await x509.X509CertificateGenerator.create({
    subject: `CN=${hosts[0] ?? "drift-detector"}`,
    issuer: ca.subject,
    notBefore,
    notAfter,
    publicKey: keys.publicKey,
    signingKey: caKeys.privateKey,
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(
        hosts.map((h) => ({ type: isIp(h) ? ("ip" as const) : ("dns" as const), value: h })),
      ),
      await x509.AuthorityKeyIdentifierExtension.create(ca),
    ],
  });
  const pkcs8 = await webcrypto.subtle.exportKey("pkcs8", keys.privateKey as webcrypto.CryptoKey);
  return {
    caPem: ca.toString("pem"),
    certPem: cert.toString("pem"),
    keyPem: x509.PemConverter.encode(pkcs8, "PRIVATE KEY"),
    notAfter: notAfter.getTime(),
  };
}

/** tls.crt, tls.key and ca.crt of a mounted Secret; a missing or unreadable file is one clear line. */
export async function readCertDir(dir: string): Promise<ServingCert> {
  const read = async (name: string) => {
    try {
      return await readFile(join(dir, name), "utf8");
    } catch (err) {
      throw new ExpectedError(`DRIFT_ADMISSION_CERT_DIR: cannot read ${join(dir, name)}: ${(err as Error).message}`);
    }
  };
  const [certPem, keyPem, caPem] = await Promise.all([read("tls.crt"), read("tls.key"), read("ca.crt")]);
  let notAfter: number;
  try {
    notAfter = new x509.X509Certificate(certPem).notAfter.getTime();
  } catch (err) {
    throw new ExpectedError(`DRIFT_ADMISSION_CERT_DIR: ${join(dir, "tls.crt")} is not a PEM certificate: ${err}`);
  }
  return { caPem, certPem, keyPem, notAfter };
}

/** The CAs of a PEM bundle that are still valid at `now`, each as its own PEM. */
export function validCas(bundlePem: string, now: number): string[] {
  const out: string[] = [];
  for (const m of bundlePem.matchAll(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g)) {
    try {
      if (new x509.X509Certificate(m[0]).notAfter.getTime() > now) out.push(m[0].replace(/\r/g, ""));
    } catch {
      // not a certificate: dropped from the bundle
    }
  }
  return out;
}

type KeyPair = Parameters<typeof x509.X509CertificateGenerator.createSelfSigned>[0]["keys"];

async function keyPair(): Promise<KeyPair> {
  return (await webcrypto.subtle.generateKey(ALG, true, ["sign", "verify"])) as unknown as KeyPair;
}

function isIp(host: string): boolean {
  return /^[\d.]+$/.test(host) || host.includes(":");
}

import { execFileSync } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensurePki, PKI_FILES } from "../../../src/sandbox/pki.js";

let dir: string;
const file = (name: string) => join(dir, "pki", name);
const openssl = (...args: string[]) => execFileSync("openssl", args, { encoding: "utf8" });

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "sandbox-pki-"));
  await ensurePki(join(dir, "pki"));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe("sandbox PKI", () => {
  it("signs the serving and client certificates with its CA", () => {
    for (const cert of [PKI_FILES.servingCert, PKI_FILES.adminCert, PKI_FILES.controllerManagerCert]) {
      expect(openssl("verify", "-CAfile", file(PKI_FILES.caCert), file(cert))).toContain(": OK");
    }
  });

  it("makes the admin a member of system:masters and serves on loopback", () => {
    expect(openssl("x509", "-in", file(PKI_FILES.adminCert), "-noout", "-subject")).toMatch(/O\s*=\s*system:masters/);
    const serving = openssl("x509", "-in", file(PKI_FILES.servingCert), "-noout", "-ext", "subjectAltName");
    expect(serving).toContain("IP Address:127.0.0.1");
    expect(serving).toContain("DNS:kubernetes.default.svc");
  });

  it("keeps an existing PKI (kubeconfigs stay valid across restarts)", async () => {
    const before = await readFile(file(PKI_FILES.caCert), "utf8");
    await ensurePki(join(dir, "pki"));
    expect(await readFile(file(PKI_FILES.caCert), "utf8")).toBe(before);
  });
});

// The webhook's HTTPS endpoint on a loopback port: the chain the apiserver checks, the one answer it gives, and a
// generated certificate renewed before it expires.
import { request } from "node:https";
import { connect } from "node:tls";
import { afterEach, describe, expect, it } from "vitest";
import { createLogger } from "../../../src/app/logger.js";
import { AdmissionIdentity } from "../../../src/identity/admission.js";
import { generateServingCert } from "../../../src/identity/certs.js";
import { quietSink, until } from "../../helpers/service-run.js";

const logger = createLogger({ name: "t", level: "warn", destination: quietSink() as never });
let identity: AdmissionIdentity | undefined;

afterEach(async () => {
  await identity?.stop();
  identity = undefined;
});

/** The serving certificate's fingerprint, verified against `ca` for 127.0.0.1. */
function servedBy(address: string, ca: string): Promise<string> {
  const { hostname, port } = new URL(address);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port), ca, servername: undefined }, () => {
      const fp = socket.getPeerCertificate().fingerprint256;
      socket.end();
      resolve(fp);
    });
    socket.on("error", reject);
  });
}

async function call(
  address: string,
  ca: string,
  body?: string,
  path = "/validate",
): Promise<{ status: number; json: unknown }> {
  return new Promise((resolve, reject) => {
    const req = request(`${address}${path}`, { method: body === undefined ? "GET" : "POST", ca }, (res) => {
      let text = "";
      res.on("data", (c) => (text += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(text) }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

describe("generateServingCert", () => {
  it("a CA and a serving certificate naming the hosts", async () => {
    const { X509Certificate } = await import("node:crypto");
    const cert = await generateServingCert(["drift-detector.qa.svc", "127.0.0.1"], 60_000);
    const leaf = new X509Certificate(cert.certPem);
    expect(leaf.subjectAltName).toContain("DNS:drift-detector.qa.svc");
    expect(leaf.subjectAltName).toContain("IP Address:127.0.0.1");
    expect(leaf.checkIssued(new X509Certificate(cert.caPem))).toBe(true);
    expect(leaf.ca).toBe(false);
  });
});

describe("AdmissionIdentity's server", () => {
  it("answers allowed with the uid, for a write it keeps and for a body it cannot read; 404 elsewhere", async () => {
    identity = new AdmissionIdentity({ listen: { host: "127.0.0.1", port: 0 }, namespace: "t", logger });
    const address = await identity.start();
    const ca = identity.caPem ?? "";
    const review = {
      apiVersion: "admission.k8s.io/v1",
      kind: "AdmissionReview",
      request: {
        uid: "r1",
        operation: "UPDATE",
        userInfo: { username: "alice", uid: "u1", groups: [] },
        oldObject: { metadata: { uid: "o1" }, data: { a: "1" } },
        object: { metadata: { uid: "o1" }, data: { a: "2" } },
      },
    };
    const ok = await call(address, ca, JSON.stringify(review));
    expect(ok).toEqual({
      status: 200,
      json: { apiVersion: "admission.k8s.io/v1", kind: "AdmissionReview", response: { uid: "r1", allowed: true } },
    });
    expect(identity.buffer.forObject("o1", Date.now()).map((w) => w.paths)).toEqual([["/data/a"]]);
    const garbage = await call(address, ca, "{not json");
    expect(garbage.status).toBe(200);
    expect((garbage.json as { response: { allowed: boolean } }).response.allowed).toBe(true);
    expect((await call(address, ca, undefined, "/validate")).status).toBe(404);
    expect((await call(address, ca, "{}", "/mutate")).status).toBe(404);
  });

  it("renews a generated certificate before it expires, and serves the new one", async () => {
    identity = new AdmissionIdentity({
      listen: { host: "127.0.0.1", port: 0 },
      namespace: "t",
      logger,
      tuning: { certValidityMs: 3_000, syncEveryMs: 100, rotationGraceMs: 0 },
    });
    const address = await identity.start();
    const caOf = () => identity?.caPem ?? "";
    const first = await servedBy(address, caOf());
    const second = await until("a renewed certificate", async () => {
      const fp = await servedBy(address, caOf());
      return fp !== first ? fp : undefined;
    });
    expect(second).not.toBe(first);
  });
});

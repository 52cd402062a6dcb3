// DRIFT_IDENTITY=audit against a private sandbox whose kube-apiserver is started with an audit policy and the audit
// webhook backend pointed at the detector (https://127.0.0.1:PORT/audit, blocking mode: an event reaches the
// detector before the write's watch event): a person's write reaches the detector as an audit event, and the drift names the person; no
// admission webhook is registered in this mode.
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import type { DriftRecord } from "../../src/detector/records.js";
import { generateServingCert } from "../../src/identity/certs.js";
import type { KnownChangedBy } from "../../src/identity/types.js";
import { WEBHOOK_CONFIGURATION_NAME } from "../../src/identity/webhook-config.js";
import { stop } from "../../src/sandbox/controlplane.js";
import type { RunningService } from "../../src/service/service.js";
import { freePort } from "../helpers/free-port.js";
import { kubectlPath } from "../helpers/kube.js";
import { webAndSettings } from "../helpers/manifests.js";
import { startPrivateSandbox } from "../helpers/private-sandbox.js";
import { startReadyService, testRunSettings, untilWithin } from "../helpers/service-run.js";

const run = promisify(execFile);
const until = untilWithin(30_000);
const API_TOKEN = "identity-audit-token-0123456789";
const ns = `audit-${Date.now().toString(36)}`;

let work: string;
let sandboxDir: string;
let kubeconfig: string;
let bare: string;
let port: number;
let aliceToken: string;
let service: RunningService | undefined;

const kubectl = async (...args: string[]) =>
  (await run(kubectlPath(), ["--kubeconfig", kubeconfig, "-n", ns, ...args], { encoding: "utf8" })).stdout;
const asAlice = async (...args: string[]) =>
  (await run(kubectlPath(), ["--kubeconfig", bare, "--token", aliceToken, "-n", ns, ...args])).stdout;

const POLICY = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
rules:
  - level: RequestResponse
    verbs: [create, update, patch, delete]
    resources:
      - {group: "", resources: [configmaps]}
      - {group: apps, resources: [deployments, deployments/scale]}
  - level: None
`;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "identity-audit-"));
  port = await freePort();
  // The serving certificate is made first: the apiserver's audit kubeconfig must hold its CA when it starts.
  const cert = await generateServingCert(["127.0.0.1", "localhost"], 24 * 60 * 60 * 1000);
  const certDir = join(work, "cert");
  mkdirSync(certDir);
  writeFileSync(join(certDir, "tls.crt"), cert.certPem);
  writeFileSync(join(certDir, "tls.key"), cert.keyPem);
  writeFileSync(join(certDir, "ca.crt"), cert.caPem);
  writeFileSync(join(work, "policy.yaml"), POLICY);
  writeFileSync(
    join(work, "audit-webhook.kubeconfig"),
    stringify({
      apiVersion: "v1",
      kind: "Config",
      clusters: [
        {
          name: "detector",
          cluster: {
            server: `https://127.0.0.1:${port}/audit`,
            "certificate-authority-data": Buffer.from(cert.caPem).toString("base64"),
          },
        },
      ],
      users: [{ name: "apiserver", user: {} }],
      contexts: [{ name: "default", context: { cluster: "detector", user: "apiserver" } }],
      "current-context": "default",
    }),
  );
  ({ dir: sandboxDir, kubeconfig } = await startPrivateSandbox(work, [
    `--audit-policy-file=${join(work, "policy.yaml")}`,
    `--audit-webhook-config-file=${join(work, "audit-webhook.kubeconfig")}`,
    "--audit-webhook-mode=blocking",
    "--audit-webhook-initial-backoff=100ms",
  ]));

  await run(kubectlPath(), ["--kubeconfig", kubeconfig, "create", "namespace", ns]);
  await kubectl("create", "serviceaccount", "alice");
  // A Role of its own: `edit` is aggregated by the controller manager, which a fresh private sandbox may not have
  // done yet.
  await kubectl(
    "create",
    "role",
    "writer",
    "--verb=get,list,watch,patch,update",
    "--resource=deployments,deployments/scale,configmaps",
  );
  await kubectl("create", "rolebinding", "alice-writer", "--role=writer", `--serviceaccount=${ns}:alice`);
  aliceToken = (await kubectl("create", "token", "alice", "--duration=1h")).trim();
  const kc = parse(readFileSync(kubeconfig, "utf8"));
  kc.users = [{ name: "nobody", user: {} }];
  kc.contexts[0].context.user = "nobody";
  bare = join(work, "bare-kubeconfig");
  writeFileSync(bare, stringify(kc));
  mkdirSync(join(work, "desired"));
  writeFileSync(join(work, "desired", "app.yaml"), webAndSettings(ns));

  // The detector first: in blocking mode each audited write waits for the backend (the objects are Missing until
  // they are applied, then in sync).
  service = await startReadyService({
    settings: testRunSettings({
      source: join(work, "desired"),
      kubeconfig,
      dataDir: join(work, "data"),
      identity: "audit",
      admissionListen: `127.0.0.1:${port}`,
      admissionCertDir: certDir,
      apiToken: API_TOKEN,
    }),
  });
  await kubectl("apply", "--server-side", "-f", join(work, "desired", "app.yaml"));
}, 600_000);

afterAll(async () => {
  await service?.stop();
  if (sandboxDir) await stop(sandboxDir);
  if (work) rmSync(work, { recursive: true, force: true });
}, 120_000);

describe("identity from the audit webhook backend (private sandbox)", () => {
  it("alice scales and edits: each drift names her, from the audit events alone", async () => {
    await asAlice("scale", "deployment/web", "--replicas=5");
    await asAlice("patch", "configmap", "settings", "-p", '{"data":{"mode":"slow"}}');
    const records = await until("both drifts, each naming a person", async () => {
      const res = await fetch(`${service?.address}/api/drifts?namespace=${ns}`, {
        headers: { authorization: `Bearer ${API_TOKEN}` },
      });
      const items = ((await res.json()) as { items: DriftRecord[] }).items;
      return items.length === 2 && items.every((r) => r.changedBy?.known) ? items : undefined;
    });
    for (const r of records) {
      expect((r.changedBy as KnownChangedBy).person.username).toBe(`system:serviceaccount:${ns}:alice`);
    }
    const web = records.find((r) => r.ref.name === "web");
    expect(web?.changedBy).toMatchObject({ operation: "UPDATE", subresource: "scale" });
    // Audit alone registers no admission webhook: the writes came through /audit.
    const vwcs = await run(kubectlPath(), [
      "--kubeconfig",
      kubeconfig,
      "get",
      "validatingwebhookconfigurations",
      "-o",
      "name",
    ]);
    expect(vwcs.stdout).not.toContain(WEBHOOK_CONFIGURATION_NAME);
  });

  it("with the detector stopped, writes still go through", async () => {
    await service?.stop();
    service = undefined;
    const started = Date.now();
    await asAlice("scale", "deployment/web", "--replicas=2");
    process.stderr.write(`[identity-audit] a write with the audit backend down took ${Date.now() - started} ms\n`);
    expect((await kubectl("get", "deployment", "web", "-o", "jsonpath={.spec.replicas}")).trim()).toBe("2");
  });
});

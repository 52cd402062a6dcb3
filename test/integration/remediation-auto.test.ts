// DRIFT_REMEDIATION=auto against the sandbox: what the policy names is reverted without a person (audited as the
// auto actor); what it does not name is left alone.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DriftRecord } from "../../src/detector/records.js";
import type { RunningService } from "../../src/service/service.js";
import { createTestNamespace, kubectlIn, loadKubeConfig, type TestNamespace } from "../helpers/kube.js";
import { startReadyService, testRunSettings, untilWithin } from "../helpers/service-run.js";

let ns: TestNamespace;
let dir: string;
let service: RunningService;

const kubectl = (...args: string[]): string => kubectlIn(ns.name, ...args);

const until = untilWithin(20_000);

// biome-ignore lint/suspicious/noExplicitAny: API answers are checked field by field
const getJson = async (path: string) => (await fetch(`${service.address}${path}`)).json() as Promise<any>;

describe("auto remediation", () => {
  beforeAll(async () => {
    ns = await createTestNamespace(loadKubeConfig(), "auto");
    dir = mkdtempSync(join(tmpdir(), "auto-"));
    writeFileSync(
      join(dir, "app.yaml"),
      `apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: ${ns.name}}
spec:
  replicas: 2
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec: {containers: [{name: api, image: "nginx:1.27"}]}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: api-settings, namespace: ${ns.name}}
data: {mode: fast}
`,
    );
    writeFileSync(
      join(dir, "policy.yaml"),
      `rules:
  - name: workloads
    severities: [medium]
    kinds: [Deployment]
    namespaces: ["${ns.name}"]
backoff: {initial: 1s, factor: 2, max: 10s}
`,
    );
    kubectl("apply", "--server-side", "--field-manager=confighub", "-f", join(dir, "app.yaml"));
    service = await startReadyService({
      settings: testRunSettings({
        source: join(dir, "app.yaml"),
        dataDir: join(dir, "data"),
        analysis: "off",
        sourcePoll: "5s",
        remediation: "auto",
        apiToken: "auto-test-token-0123456789",
      }),
      env: { DRIFT_REMEDIATION_POLICY: join(dir, "policy.yaml") },
    });
  });

  afterAll(async () => {
    await service?.stop();
    await ns?.delete();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("reverts a manual scale of a Deployment the policy names, and audits it as the auto actor", async () => {
    kubectl("scale", "deployment/api", "--replicas=6");
    const entry = await until("the automatic revert", async () => {
      const { items } = await getJson("/api/audit");
      return (items as Array<{ actor: string; action: string; outcome: string; resource: string }>).find(
        (e) => e.actor === "drift-detector (auto)" && e.outcome === "succeeded",
      );
    });
    expect(entry).toMatchObject({ action: "revert", resource: `Deployment ${ns.name}/api` });
    expect(kubectl("get", "deployment/api", "-o", "jsonpath={.spec.replicas}")).toBe("2");
  });

  it("leaves drift the policy does not name alone (a ConfigMap)", async () => {
    kubectl("patch", "configmap/api-settings", "--type=merge", "-p", '{"data":{"mode":"slow"}}');
    const record = await until("the ConfigMap drift", async () => {
      const { items } = await getJson(`/api/drifts?namespace=${ns.name}`);
      return (items as DriftRecord[]).find((r) => r.ref.name === "api-settings");
    });
    await new Promise((r) => setTimeout(r, 2000));
    expect((await getJson(`/api/drifts/${record.id}`)).status).toBe("open");
    expect((await getJson(`/api/drifts/${record.id}/audit`)).items).toEqual([]);
    expect(kubectl("get", "configmap/api-settings", "-o", "jsonpath={.data.mode}")).toBe("slow");
  });
});

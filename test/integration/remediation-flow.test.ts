// Issue 7's "Done when", against the sandbox and our hub over HTTP, through the service's API and the CLI:
// revert of a manual scale resolves it; accept of an env var edit creates hub revision N+1 containing it and the
// record resolves; promotion to the next space carries the accepted value; the audit lists both. Plus the refusals:
// unknown 404, resolved 409, no token 401, a unit changed meanwhile 409 with nothing written.
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { DriftRecord } from "../../src/detector/records.js";
import { applySpaceUnits } from "../../src/hub/apply.js";
import { ConfigHubClient } from "../../src/hub/confighub/client.js";
import { type RunningHub, startHubServer } from "../../src/hub/http/serve.js";
import { type Cluster, loadCluster } from "../../src/kube/cluster.js";
import type { RunningService } from "../../src/service/service.js";
import { createTestNamespace, kubectlIn, loadKubeConfig, type TestNamespace } from "../helpers/kube.js";
import { startReadyService, testRunSettings, untilWithin } from "../helpers/service-run.js";
import { openTestStore, type TestStore } from "../helpers/stores.js";

const TOKEN = "remediation-flow-token-0123456789";
const QA = "shop-qa";
const STAGING = "shop-staging";
const kubeconfig = inject("kubeconfig");
let ns: TestNamespace;
let dir: string;
let hubStore: TestStore;
let hubServer: RunningHub;
let hub: ConfigHubClient;
let cluster: Cluster;
let service: RunningService;

const unitData = (namespace: string) => `# the web tier of the shop: reviewed by the platform team
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: ${namespace}
spec:
  replicas: 2 # two is enough for qa
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: nginx:1.27
          env:
            - name: LOG_LEVEL
              value: info
            - name: REGION
              value: eu-west
`;

const kubectl = (...args: string[]): string => kubectlIn(ns.name, ...args);

const until = untilWithin(20_000);

async function api(method: string, path: string, body?: unknown, token: string | null = TOKEN) {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers["content-type"] = "application/json";
  if (token) headers.authorization = `Bearer ${token}`;
  const res = await fetch(`${service.address}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

const act = (id: string, body: Record<string, unknown>, token?: string | null) =>
  api("POST", `/api/drifts/${id}/actions`, { actor: "alice", ...body }, token);

async function openRecord(predicate: (r: DriftRecord) => boolean): Promise<DriftRecord> {
  return until("a drift record", async () => {
    const { body } = await api("GET", `/api/drifts?namespace=${ns.name}`);
    return (body.items as DriftRecord[]).find(predicate);
  });
}

const cli = (...args: string[]) =>
  promisify(execFile)(
    process.execPath,
    [join(process.cwd(), "bin/drift-detector.js"), "drift", ...args, "--server", service.address],
    {
      env: { ...process.env, DRIFT_API_TOKEN: TOKEN },
      encoding: "utf8",
    },
  );

describe("remediation: the issue's done-when, through the service", () => {
  beforeAll(async () => {
    ns = await createTestNamespace(loadKubeConfig(), "remflow");
    dir = mkdtempSync(join(tmpdir(), "remflow-"));
    hubStore = await openTestStore("pglite");
    hubServer = await startHubServer({ db: hubStore.db, listen: "127.0.0.1:0", token: "hub-token-remflow" });
    hub = new ConfigHubClient({ url: hubServer.url, token: hubServer.token });
    cluster = loadCluster({ kubeconfig });
    await hub.createSpace({ Slug: QA });
    await hub.createSpace({ Slug: STAGING });
    await hub.createUnit(QA, { Slug: "web", Data: unitData(ns.name) });
    await hub.cloneUnit(STAGING, QA, "web");
    const applied = await applySpaceUnits(hub, cluster, QA, { namespace: ns.name });
    expect(applied.map((r) => r.error)).toEqual([null]);

    service = await startReadyService({
      settings: testRunSettings({
        source: `hub:${QA}`,
        dataDir: join(dir, "data"),
        remediation: "suggest",
        apiToken: TOKEN,
        mode: "server",
      }),
      env: { HUB_URL: hubServer.url, HUB_TOKEN: hubServer.token },
    });
    const { body } = await api("GET", `/api/resources?namespace=${ns.name}`);
    expect(body.items.map((r: { status: string }) => r.status)).toEqual(["InSync"]);
  });

  afterAll(async () => {
    await service?.stop();
    await cluster?.client.close();
    await hubServer?.close();
    await hubStore?.cleanup();
    await ns?.delete();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  let reverted: DriftRecord;
  let accepted: DriftRecord;

  it("reverts a manual scale: the dry-run shows replicas 5 → 2, the revert resolves the record", async () => {
    kubectl("scale", "deployment/web", "--replicas=5");
    reverted = await openRecord((r) => r.changes.some((c) => c.path === "/spec/replicas"));

    const preview = await act(reverted.id, { action: "revert", dryRun: true });
    expect(preview.status).toBe(200);
    expect(preview.body).toMatchObject({
      outcome: "previewed",
      fields: [{ path: "/spec/replicas", before: 5, after: 2 }],
    });
    expect(kubectl("get", "deployment/web", "-o", "jsonpath={.spec.replicas}")).toBe("5");

    const started = performance.now();
    const done = await act(reverted.id, { action: "revert", dryRun: false });
    const ms = performance.now() - started;
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ outcome: "succeeded", recordState: "resolved" });
    console.info(`revert of a manual scale: resolved ${Math.round(ms)} ms after the request`);
    expect(kubectl("get", "deployment/web", "-o", "jsonpath={.spec.replicas}")).toBe("2");
    // The hub's own labels on the object survive the revert (pruning relies on them).
    expect(kubectl("get", "deployment/web", "-o", "jsonpath={.metadata.labels}")).toContain(QA);
    expect((await api("GET", `/api/drifts/${reverted.id}`)).body.status).toBe("resolved");
  });

  it("refuses actions on resolved and unknown records, and without the token", async () => {
    const resolved = await act(reverted.id, { action: "revert", dryRun: false });
    expect(resolved.status).toBe(409);
    expect(resolved.body.message).toContain("resolved");
    expect((await act("no-such-record", { action: "revert", dryRun: true })).status).toBe(404);
    expect((await act(reverted.id, { action: "revert", dryRun: true }, null)).status).toBe(401);
    expect((await act(reverted.id, { action: "revert", dryRun: true }, "wrong-token-wrong-token")).status).toBe(401);
    expect((await act(reverted.id, { action: "destroy" })).status).toBe(400);
  });

  it("accepts an env var edit: revision N+1 holds it, comments kept, the record resolves", async () => {
    kubectl("set", "env", "deployment/web", "LOG_LEVEL=debug");
    accepted = await openRecord((r) => r.status === "open" && r.changes.some((c) => c.field.includes("LOG_LEVEL")));
    const before = await hub.getUnit(QA, "web");

    const preview = await act(accepted.id, { action: "accept", dryRun: true });
    expect(preview.status).toBe(200);
    expect(preview.body.outcome).toBe("previewed");
    expect(preview.body.revision).toBe(before.HeadRevisionNum + 1);
    expect(preview.body.diff).toContain("-              value: info");
    expect(preview.body.diff).toContain("+              value: debug");
    expect((await hub.getUnit(QA, "web")).HeadRevisionNum).toBe(before.HeadRevisionNum); // nothing written

    const done = await act(accepted.id, { action: "accept", dryRun: false });
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({
      outcome: "succeeded",
      recordState: "resolved",
      revision: before.HeadRevisionNum + 1,
    });
    const after = await hub.getUnit(QA, "web");
    expect(after.HeadRevisionNum).toBe(before.HeadRevisionNum + 1);
    const data = await hub.getUnitData(QA, "web");
    expect(data).toMatch(/- name: LOG_LEVEL\n\s+value: debug/);
    expect(data).toContain("# the web tier of the shop: reviewed by the platform team");
    expect(data).toContain("replicas: 2 # two is enough for qa");
    const revisions = await hub.listRevisions(QA, "web");
    const newest = revisions.find((r) => r.RevisionNum === after.HeadRevisionNum);
    expect(newest?.Description).toMatch(/LOG_LEVEL.*kubectl-set.*accepted by api-token/);
  });

  it("promotion to the next space carries the accepted value", async () => {
    await hub.upgradeUnit(STAGING, "web");
    const staging = await hub.getUnitData(STAGING, "web");
    expect(staging).toMatch(/- name: LOG_LEVEL\n\s+value: debug/);
  });

  it("lists both actions in the audit, and the CLI shows them", async () => {
    const { body } = await api("GET", "/api/audit");
    const done = (
      body.items as Array<{ action: string; outcome: string; dryRun: boolean; actor: string; recordId: string }>
    )
      .filter((e) => !e.dryRun && e.outcome === "succeeded")
      .map((e) => [e.action, e.recordId, e.actor]);
    expect(done).toEqual(
      expect.arrayContaining([
        ["revert", reverted.id, "api-token"],
        ["accept", accepted.id, "api-token"],
      ]),
    );
    const shown = await cli("show", accepted.id);
    expect(shown.stdout).toContain("accept");
    expect(shown.stdout).toMatch(/api-token\s+accept\s+succeeded/);
  });

  it("refuses to accept when the unit changed meanwhile (409, nothing written), and the CLI says so", async () => {
    kubectl("set", "env", "deployment/web", "REGION=us-east");
    const record = await openRecord((r) => r.status === "open" && r.changes.some((c) => c.field.includes("REGION")));
    await hub.invokeFunctions(QA, "Slug = 'web'", [
      {
        FunctionName: "set-env-var",
        Arguments: [
          { ParameterName: "container-name", Value: "web" },
          { ParameterName: "env-var", Value: "FEATURE" },
          { ParameterName: "env-value", Value: "on" },
        ],
      },
    ]);
    const head = (await hub.getUnit(QA, "web")).HeadRevisionNum;
    const refused = await act(record.id, { action: "accept", dryRun: false });
    expect(refused.status).toBe(409);
    expect(refused.body.message).toContain("changed since the drift was detected");
    expect((await hub.getUnit(QA, "web")).HeadRevisionNum).toBe(head);

    const viaCli = await cli("accept", record.id).catch((e: { code: number; stderr: string }) => e);
    expect(viaCli).toMatchObject({ code: 1 });
    expect((viaCli as { stderr: string }).stderr).toContain("changed since the drift was detected");

    // The CLI's dry-run revert still works on it and changes nothing.
    const dry = await cli("revert", record.id, "--dry-run");
    expect(dry.stdout).toMatch(/REGION|env/);
    expect(kubectl("get", "deployment/web", "-o", "jsonpath={.spec.template.spec.containers[0].env}")).toContain(
      "us-east",
    );
  });

  it("ignores the remaining drift with a rule: the record resolves and the field is listed as ignored", async () => {
    const record = await openRecord((r) => r.status === "open" && r.changes.some((c) => c.field.includes("REGION")));
    const paths = record.changes.map((c) => c.path);
    const done = await act(record.id, { action: "ignore", dryRun: false, reason: "regional test in progress" });
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ outcome: "succeeded", recordState: "resolved" });
    const { body } = await api("GET", `/api/resources?namespace=${ns.name}`);
    expect(body.items[0].status).toBe("InSync");
    expect(body.items[0].ignored).toEqual(
      expect.arrayContaining(paths.map((path) => ({ path, reason: "regional test in progress" }))),
    );
  });
});

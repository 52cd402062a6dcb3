// DRIFT_IDENTITY=admission against the sandbox's real kube-apiserver: it calls the detector's webhook at
// https://127.0.0.1:PORT, and each drift names the person (a service account with edit rights, its token from
// TokenRequest) whose write made it; the control plane's writes and dry-runs name nobody; writes go through with
// the detector gone (fail open); a rotated certificate keeps the webhook working.
import { execFile, execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { parse, stringify } from "yaml";
import type { DriftRecord } from "../../src/detector/records.js";
import type { KnownChangedBy } from "../../src/identity/types.js";
import { WEBHOOK_CONFIGURATION_NAME } from "../../src/identity/webhook-config.js";
import type { RunningService } from "../../src/service/service.js";
import { freePort } from "../helpers/free-port.js";
import { createTestNamespace, kubectlIn, kubectlPath, loadKubeConfig, type TestNamespace } from "../helpers/kube.js";
import { webAndSettings } from "../helpers/manifests.js";
import { httpGet, logSink, startReadyService, testRunSettings, untilWithin } from "../helpers/service-run.js";

const execFileAsync = promisify(execFile);
const until = untilWithin(30_000);
const API_TOKEN = "identity-test-token-0123456789";

let ns: TestNamespace;
let dir: string;
let service: RunningService | undefined;
let controllerSa: string;
const lines: Array<Record<string, unknown>> = [];
/** kubeconfigs with the sandbox's server and CA, and no credentials: the person comes from `--token`. */
let bare: string;
const tokens: Record<string, string> = {};

const admin = (...args: string[]) => kubectlIn(ns.name, ...args);
/**
 * kubectl as `who`, without blocking: the webhook answers from this very process while kubectl waits for the
 * apiserver, which waits for the webhook.
 */
const as = async (who: string, ...args: string[]) =>
  (await execFileAsync(kubectlPath(), ["--kubeconfig", bare, "--token", tokens[who], "-n", ns.name, ...args])).stdout;

const authed = (path: string) =>
  fetch(`${service?.address}${path}`, { headers: { authorization: `Bearer ${API_TOKEN}` } }).then((r) => r.json());

async function openRecord(name: string, where?: (r: DriftRecord) => boolean): Promise<DriftRecord> {
  return until(`an open record of ${name}`, async () => {
    const body = (await authed(`/api/drifts?namespace=${ns.name}`)) as { items: DriftRecord[] };
    return body.items.find((r) => r.ref.name === name && (where?.(r) ?? true));
  });
}

let probes = 0;
/** Alice annotates the probe ConfigMap until the webhook has seen one more write. */
async function probeWebhook(): Promise<void> {
  const before = service?.admission?.buffer.size ?? 0;
  await until("a write seen by the webhook", async () => {
    await as("alice", "annotate", "configmap", "probe", `n=${probes++}`, "--overwrite");
    return (service?.admission?.buffer.size ?? 0) > before;
  });
}

const person = (r: DriftRecord) => (r.changedBy?.known ? (r.changedBy as KnownChangedBy).person.username : "unknown");

describe("identity from admission (sandbox)", () => {
  beforeAll(async () => {
    ns = await createTestNamespace(loadKubeConfig(), "ident");
    dir = mkdtempSync(join(tmpdir(), "ident-"));
    writeFileSync(join(dir, "app.yaml"), webAndSettings(ns.name));
    admin("apply", "--server-side", "-f", join(dir, "app.yaml"));
    // Two people with edit rights, and a controller: a kube-system service account (the control plane's own).
    controllerSa = `fake-controller-${randomBytes(3).toString("hex")}`;
    for (const who of ["alice", "bob"]) {
      admin("create", "serviceaccount", who);
      admin("create", "rolebinding", `${who}-edit`, "--clusterrole=edit", `--serviceaccount=${ns.name}:${who}`);
      tokens[who] = admin("create", "token", who, "--duration=1h").trim();
    }
    kubectlIn("kube-system", "create", "serviceaccount", controllerSa);
    admin(
      "create",
      "rolebinding",
      "controller-edit",
      "--clusterrole=edit",
      `--serviceaccount=kube-system:${controllerSa}`,
    );
    tokens.controller = kubectlIn("kube-system", "create", "token", controllerSa, "--duration=1h").trim();
    const kc = parse(readFileSync(inject("kubeconfig"), "utf8"));
    kc.users = [{ name: "nobody", user: {} }];
    kc.contexts[0].context.user = "nobody";
    bare = join(dir, "bare-kubeconfig");
    writeFileSync(bare, stringify(kc));

    const port = await freePort();
    service = await startReadyService({
      settings: testRunSettings({
        source: dir,
        dataDir: join(dir, "data"),
        identity: "admission",
        admissionListen: `127.0.0.1:${port}`,
        admissionUrl: `https://127.0.0.1:${port}/validate`,
        apiToken: API_TOKEN,
      }),
      log: logSink(lines),
      tuning: { admission: { syncEveryMs: 500, rotationGraceMs: 3000 } },
    });
    // Registered, and the apiserver calls it: a write by alice to a ConfigMap the source does not hold.
    admin("create", "configmap", "probe");
    await probeWebhook();
  });

  afterAll(async () => {
    await service?.stop();
    execFileSync(kubectlPath(), [
      "--kubeconfig",
      inject("kubeconfig"),
      "delete",
      "validatingwebhookconfiguration",
      WEBHOOK_CONFIGURATION_NAME,
      "--ignore-not-found",
    ]);
    if (controllerSa) kubectlIn("kube-system", "delete", "serviceaccount", controllerSa, "--ignore-not-found");
    await ns?.delete();
    rmSync(dir, { recursive: true, force: true });
  });

  it("registers a fail-open, side-effect-free webhook for exactly the desired kinds", () => {
    const vwc = JSON.parse(
      execFileSync(
        kubectlPath(),
        [
          "--kubeconfig",
          inject("kubeconfig"),
          "get",
          "validatingwebhookconfiguration",
          WEBHOOK_CONFIGURATION_NAME,
          "-o",
          "json",
        ],
        { encoding: "utf8" },
      ),
    );
    const [hook] = vwc.webhooks;
    expect(hook).toMatchObject({ failurePolicy: "Ignore", sideEffects: "None", admissionReviewVersions: ["v1"] });
    expect(hook.timeoutSeconds).toBeLessThanOrEqual(3);
    const rules = hook.rules.map((r: { apiGroups: string[]; resources: string[]; operations: string[] }) => ({
      group: r.apiGroups[0],
      resources: r.resources,
      operations: r.operations,
    }));
    expect(rules).toEqual([
      { group: "", resources: ["configmaps", "configmaps/scale"], operations: ["CREATE", "UPDATE", "DELETE"] },
      { group: "apps", resources: ["deployments", "deployments/scale"], operations: ["CREATE", "UPDATE", "DELETE"] },
    ]);
    expect(hook.namespaceSelector.matchExpressions[0].values).toEqual([ns.name]);
  });

  it("alice scales, bob edits: each drift names its person, in the API, history and log line", async () => {
    await as("alice", "scale", "deployment/web", "--replicas=5");
    await as("bob", "patch", "configmap", "settings", "-p", '{"data":{"mode":"slow"}}');
    const web = await openRecord("web");
    const settings = await openRecord("settings");
    expect(web.changedBy).toMatchObject({
      known: true,
      person: { username: `system:serviceaccount:${ns.name}:alice` },
      operation: "UPDATE",
      subresource: "scale",
    });
    expect((web.changedBy as KnownChangedBy).person.groups).toContain("system:serviceaccounts");
    expect(person(settings)).toBe(`system:serviceaccount:${ns.name}:bob`);
    const detail = (await authed(`/api/drifts/${web.id}`)) as DriftRecord;
    expect(detail.history[0].changedBy).toEqual(web.changedBy);
    const line = await until("the opened log line", () =>
      lines.find((l) => l.event === "opened" && l.resource === `Deployment ${ns.name}/web`),
    );
    expect(String(line.changedBy)).toContain(`system:serviceaccount:${ns.name}:alice`);
  });

  it("a reader without the token sees that a person is known, not who", async () => {
    const { body } = await httpGet(service?.address ?? "", `/api/drifts?namespace=${ns.name}`);
    const web = (body.items as DriftRecord[]).find((r) => r.ref.name === "web");
    expect(web?.changedBy).toMatchObject({ known: true, withheld: true, operation: "UPDATE" });
    expect(JSON.stringify(body)).not.toContain(":alice");
  });

  it("a dry-run is not kept and changes no attribution", async () => {
    const uid = admin("get", "deployment", "web", "-o", "jsonpath={.metadata.uid}");
    await as("bob", "scale", "deployment/web", "--replicas=7", "--dry-run=server");
    const writes = service?.admission?.buffer.forObject(uid, Date.now()) ?? [];
    expect(writes.map((w) => w.user.username)).not.toContain(`system:serviceaccount:${ns.name}:bob`);
    expect(person(await openRecord("web"))).toBe(`system:serviceaccount:${ns.name}:alice`);
  });

  it("a controller's write (a kube-system service account) is not attributed to a person", async () => {
    await as("controller", "patch", "configmap", "settings", "-p", '{"data":{"mode":"controller"}}');
    const rec = await openRecord("settings", (r) => r.changes.some((c) => c.live === "controller"));
    expect(rec.changedBy).toEqual({ known: false });
    // The apiserver did not even send it (matchConditions): no write of the controller in the buffer.
    const uid = admin("get", "configmap", "settings", "-o", "jsonpath={.metadata.uid}");
    const users = (service?.admission?.buffer.forObject(uid, Date.now()) ?? []).map((w) => w.user.username);
    expect(users).toContain(`system:serviceaccount:${ns.name}:bob`);
    expect(users.some((u) => u.includes(controllerSa))).toBe(false);
  });

  it("a rotated certificate keeps the webhook working", async () => {
    const bundle = () =>
      JSON.parse(kubectlIn(ns.name, "get", "validatingwebhookconfiguration", WEBHOOK_CONFIGURATION_NAME, "-o", "json"))
        .webhooks[0].clientConfig.caBundle as string;
    const before = bundle();
    await service?.admission?.rotate();
    expect(bundle()).not.toBe(before);
    await probeWebhook();
    await as("bob", "scale", "deployment/web", "--replicas=6");
    const web = await openRecord("web", (r) => r.changes.some((c) => c.live === 6));
    expect(person(web)).toBe(`system:serviceaccount:${ns.name}:bob`);
  });

  it("with the detector stopped, writes still go through (fail open)", async () => {
    await service?.stop();
    service = undefined;
    await as("alice", "scale", "deployment/web", "--replicas=3");
    expect(admin("get", "deployment", "web", "-o", "jsonpath={.spec.replicas}")).toBe("3");
    await as("bob", "patch", "configmap", "settings", "-p", '{"data":{"mode":"after"}}');
    expect(admin("get", "configmap", "settings", "-o", "jsonpath={.data.mode}")).toBe("after");
  });
});

// Faults of the cluster side, each against a real kube-apiserver: a private sandbox of this file (its apiserver is
// stopped and restarted, its etcd compacted) plus the run's shared sandbox for the multi-cluster case.
//  - apiserver stopped ~30 s and restarted: no crash, /readyz false then true, detection resumes, nothing twice;
//  - watch expiry (410 Gone): the service is cut off from the apiserver (a TCP partition), objects change and etcd
//    is compacted past its resourceVersion, so the resumed watch gets 410; the relist must find every change;
//  - two clusters (the shared and the private sandbox) with two sources, each behind its own Lease.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { parse, stringify } from "yaml";
import { objectKey } from "../../src/kube/liveview.js";
import { startApiserver, stop, stopApiserver } from "../../src/sandbox/controlplane.js";
import type { RunningService } from "../../src/service/service.js";
import { compactEtcd } from "../helpers/etcd.js";
import { createTestNamespace, kubectlPath, loadKubeConfig, type TestNamespace } from "../helpers/kube.js";
import { modeConfigMap } from "../helpers/manifests.js";
import { startPrivateSandbox } from "../helpers/private-sandbox.js";
import { httpGet, type LogLine, logSink, startReadyService, testRunSettings, until } from "../helpers/service-run.js";
import { startTcpProxy, type TcpProxy } from "../helpers/tcp-proxy.js";

const sharedKubeconfig = inject("kubeconfig");
let sandboxDir: string;
let privateKubeconfig: string;
let work: string;

function kubectl(kubeconfig: string, ...args: string[]): string {
  return execFileSync(kubectlPath(), ["--kubeconfig", kubeconfig, ...args], { encoding: "utf8" });
}

function writeDir(name: string, docs: string[]): string {
  const d = join(work, name);
  mkdirSync(d, { recursive: true });
  writeFileSync(join(d, "objects.yaml"), docs.join("---\n"));
  return d;
}

const opened = (lines: LogLine[], resource: string) =>
  lines.filter((l) => l.event === "opened" && l.resource === resource).length;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "svc-faults-"));
  ({ dir: sandboxDir, kubeconfig: privateKubeconfig } = await startPrivateSandbox(work));
}, 600_000);

afterAll(async () => {
  if (sandboxDir) await stop(sandboxDir);
  if (work) rmSync(work, { recursive: true, force: true });
}, 120_000);

describe("apiserver stopped for 30 s and restarted", () => {
  let service: RunningService;
  const lines: LogLine[] = [];
  const ns = `outage-${Date.now().toString(36)}`;

  afterAll(async () => {
    await service?.stop();
  });

  it("keeps running, goes unready, resumes detection, announces nothing twice", async () => {
    kubectl(privateKubeconfig, "create", "namespace", ns);
    writeFileSync(
      join(work, "outage-live.yaml"),
      [modeConfigMap(ns, "a", "declared"), modeConfigMap(ns, "b", "manual")].join("---\n"),
    );
    kubectl(privateKubeconfig, "apply", "--server-side", "-f", join(work, "outage-live.yaml"));
    const source = writeDir("outage", [modeConfigMap(ns, "a", "declared"), modeConfigMap(ns, "b", "declared")]);
    service = await startReadyService(
      {
        settings: testRunSettings({
          source,
          kubeconfig: privateKubeconfig,
          dataDir: join(work, "outage-data"),
          leaderElection: "true",
          leaseNamespace: ns,
          leaseDuration: "6s",
          sourcePoll: "1h",
        }),
        log: logSink(lines),
        tuning: { leaseRetryMs: 500 },
      },
      120_000,
    );
    const ready = async () => (await httpGet(service.address, "/readyz")).status === 200;
    await until("b's drift announced", () => opened(lines, `ConfigMap ${ns}/b`) === 1);

    const down = Date.now();
    expect(await stopApiserver(sandboxDir)).toBe(true);
    await until("unready while the apiserver is away", async () => !(await ready()), 30_000);
    expect((await httpGet(service.address, "/healthz")).status).toBe(200);
    await new Promise((r) => setTimeout(r, Math.max(0, 30_000 - (Date.now() - down))));
    expect((await httpGet(service.address, "/healthz")).status).toBe(200);
    await startApiserver(sandboxDir);

    await until("ready again", ready, 120_000);
    const detector = service.detectors[0];
    await until("leading and detecting again", () => detector.running && detector.stats.full > 0);
    kubectl(privateKubeconfig, "-n", ns, "patch", "configmap", "a", "--type=merge", "-p", '{"data":{"mode":"manual"}}');
    await until("a's drift after the outage", () => opened(lines, `ConfigMap ${ns}/a`) === 1, 60_000);
    // Nothing announced twice: b's drift (open through the outage) was not opened again.
    expect(opened(lines, `ConfigMap ${ns}/b`)).toBe(1);
    expect(lines.filter((l) => l.event === "resolved")).toHaveLength(0);
    expect(lines.filter((l) => l.msg === "detection loop failed")).toHaveLength(0);
  }, 300_000);
});

describe("watch expiry (410 Gone)", () => {
  let service: RunningService;
  let proxy: TcpProxy;
  const lines: LogLine[] = [];
  const ns = `expiry-${Date.now().toString(36)}`;

  afterAll(async () => {
    await service?.stop();
    await proxy?.close();
  });

  it("relists and loses no change made while the watch was away", async () => {
    // Without the watch cache, watches are served by etcd: a resourceVersion compacted away is answered with 410.
    await stopApiserver(sandboxDir);
    await startApiserver(sandboxDir, { extraArgs: ["--watch-cache=false"] });
    kubectl(privateKubeconfig, "create", "namespace", ns);
    const docs = [modeConfigMap(ns, "cm-x", "declared"), modeConfigMap(ns, "cm-y", "declared")];
    writeFileSync(join(work, "expiry-live.yaml"), docs.join("---\n"));
    kubectl(privateKubeconfig, "apply", "--server-side", "-f", join(work, "expiry-live.yaml"));
    const source = writeDir("expiry", docs);

    // The service reaches the apiserver through a TCP pass-through that the test can cut.
    const config = parse(readFileSync(privateKubeconfig, "utf8"));
    const server = new URL(config.clusters[0].cluster.server);
    proxy = await startTcpProxy({ host: server.hostname, port: Number(server.port) });
    config.clusters[0].cluster.server = `https://127.0.0.1:${proxy.port}`;
    const proxied = join(work, "proxied.kubeconfig");
    writeFileSync(proxied, stringify(config), { mode: 0o600 });
    service = await startReadyService(
      {
        settings: testRunSettings({
          source,
          kubeconfig: proxied,
          dataDir: join(work, "expiry-data"),
          analysis: "off",
          sourcePoll: "1h",
        }),
        log: logSink(lines),
      },
      120_000,
    );
    const ready = async () => (await httpGet(service.address, "/readyz")).status === 200;
    const detector = service.detectors[0];
    expect(detector.liveView.stats().relists410).toBe(0);

    proxy.cut();
    await until("unready without the watch", async () => !(await ready()));
    // Behind the service's back: one object changed, one deleted, and the history compacted past both.
    kubectl(
      privateKubeconfig,
      "-n",
      ns,
      "patch",
      "configmap",
      "cm-x",
      "--type=merge",
      "-p",
      '{"data":{"mode":"manual"}}',
    );
    kubectl(privateKubeconfig, "-n", ns, "delete", "configmap", "cm-y");
    await compactEtcd(sandboxDir);
    proxy.restore();

    const tracker = service.trackers[0];
    const key = (name: string) => objectKey({ apiVersion: "v1", kind: "ConfigMap", namespace: ns, name });
    const x = await until("x's drift", () => tracker.openRecord(key("cm-x")), 60_000);
    const y = await until("y missing", () => tracker.openRecord(key("cm-y")), 60_000);
    expect(x.resourceStatus).toBe("Drifted");
    expect(x.changes.map((c) => c.path)).toEqual(["/data/mode"]);
    expect(y.resourceStatus).toBe("Missing");
    expect(detector.liveView.stats().relists410).toBeGreaterThan(0);
    expect(lines.some((l) => l.msg === "watch expired (410 Gone); relisting")).toBe(true);
    await until("ready again", ready);
  }, 300_000);
});

describe("two clusters, two sources, a Lease each", () => {
  let service: RunningService;
  let sharedNs: TestNamespace;
  const lines: LogLine[] = [];
  const privateNs = `multi-${Date.now().toString(36)}`;
  const leaseName = `mc-${Date.now().toString(36)}`;

  afterAll(async () => {
    await service?.stop();
    await sharedNs?.delete();
  });

  it("detects in each cluster from its own source, leading each through its own Lease", async () => {
    sharedNs = await createTestNamespace(loadKubeConfig(), "multi");
    kubectl(privateKubeconfig, "create", "namespace", privateNs);
    const sharedDoc = modeConfigMap(sharedNs.name, "east", "declared");
    const privateDoc = modeConfigMap(privateNs, "west", "declared");
    writeFileSync(join(work, "east.yaml"), sharedDoc);
    writeFileSync(join(work, "west.yaml"), privateDoc);
    kubectl(sharedKubeconfig, "apply", "--server-side", "-f", join(work, "east.yaml"));
    kubectl(privateKubeconfig, "apply", "--server-side", "-f", join(work, "west.yaml"));
    const merged = join(work, "two-clusters.kubeconfig");
    writeFileSync(merged, mergeKubeconfigs({ shared: sharedKubeconfig, private: privateKubeconfig }), { mode: 0o600 });
    const clusters = `shared=${writeDir("east", [sharedDoc])},private=${writeDir("west", [privateDoc])}`;
    service = await startReadyService(
      {
        settings: testRunSettings(
          {
            kubeconfig: merged,
            dataDir: join(work, "multi-data"),
            analysis: "off",
            leaderElection: "true",
            leaseNamespace: "default",
            leaseName,
            leaseDuration: "6s",
            sourcePoll: "1h",
          },
          { DRIFT_CLUSTERS: clusters },
        ),
        log: logSink(lines),
        tuning: { leaseRetryMs: 500 },
      },
      120_000,
    );
    expect(service.detectors.map((d) => d.name)).toEqual(["shared", "private"]);
    await until("both clusters detected", () => service.detectors.every((d) => d.running && d.stats.full > 0));

    const holders = [sharedKubeconfig, privateKubeconfig].map(
      (kc) => JSON.parse(kubectl(kc, "-n", "default", "get", "lease", leaseName, "-o", "json")).spec.holderIdentity,
    );
    expect(holders[0]).toBeTruthy();
    expect(holders[1]).toBe(holders[0]);
    expect(lines.filter((l) => l.msg === "became leader").map((l) => l.cluster)).toEqual(
      expect.arrayContaining(["shared", "private"]),
    );

    kubectl(
      sharedKubeconfig,
      "-n",
      sharedNs.name,
      "patch",
      "configmap",
      "east",
      "--type=merge",
      "-p",
      '{"data":{"mode":"m"}}',
    );
    kubectl(
      privateKubeconfig,
      "-n",
      privateNs,
      "patch",
      "configmap",
      "west",
      "--type=merge",
      "-p",
      '{"data":{"mode":"m"}}',
    );
    const east = await until("east's drift in shared", () =>
      service.trackers[0].openRecord(
        objectKey({ apiVersion: "v1", kind: "ConfigMap", namespace: sharedNs.name, name: "east" }),
      ),
    );
    const west = await until("west's drift in private", () =>
      service.trackers[1].openRecord(
        objectKey({ apiVersion: "v1", kind: "ConfigMap", namespace: privateNs, name: "west" }),
      ),
    );
    expect(east.cluster).toBe("shared");
    expect(west.cluster).toBe("private");
    // Each cluster's records stay its own.
    expect(service.trackers[0].openRecords.map((r) => r.ref.name)).toEqual(["east"]);
    expect(service.trackers[1].openRecords.map((r) => r.ref.name)).toEqual(["west"]);

    // A stop releases both Leases.
    await service.stop();
    for (const kc of [sharedKubeconfig, privateKubeconfig]) {
      const lease = JSON.parse(kubectl(kc, "-n", "default", "get", "lease", leaseName, "-o", "json"));
      expect(lease.spec.holderIdentity ?? "").toBe("");
      kubectl(kc, "-n", "default", "delete", "lease", leaseName);
    }
  }, 300_000);
});

/** One kubeconfig with a context per named file (each file a sandbox kubeconfig with one context). */
function mergeKubeconfigs(files: Record<string, string>): string {
  const out = {
    apiVersion: "v1",
    kind: "Config",
    clusters: [] as unknown[],
    users: [] as unknown[],
    contexts: [] as unknown[],
  };
  for (const [name, file] of Object.entries(files)) {
    const c = parse(readFileSync(file, "utf8"));
    out.clusters.push({ name, cluster: c.clusters[0].cluster });
    out.users.push({ name, user: c.users[0].user });
    out.contexts.push({ name, context: { cluster: name, user: name } });
  }
  return stringify({ ...out, "current-context": Object.keys(files)[0] });
}

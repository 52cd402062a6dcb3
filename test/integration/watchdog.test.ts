// The informer watchdog and the liveness of the detection loop, against the run's kube-apiserver:
//  - a watch whose connection dies without FIN or RST (frozen in a TCP pass-through; new connections pass) is
//    relisted after the silence bound, and the change it missed is found: without the watchdog it would wait for the
//    watch's own timeout (5-10 min) or the next full resync (10 min here);
//  - an informer whose loop failed (a callback that threw) is started again and sees later changes;
//  - a detection loop that hangs (its configuration file became a FIFO nobody writes: a read that never ends) makes
//    /healthz fail, so the kubelet would restart the pod; when the read ends, /healthz is 200 again.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { open } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KubeConfig } from "@kubernetes/client-node";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { parse, stringify } from "yaml";
import { KubeClient } from "../../src/kube/client.js";
import { Discovery } from "../../src/kube/discovery.js";
import { Informer } from "../../src/kube/informer.js";
import { objectKey } from "../../src/kube/liveview.js";
import { WatchWatchdog } from "../../src/kube/watchdog.js";
import type { RunningService } from "../../src/service/service.js";
import { createTestNamespace, kubectlIn, loadKubeConfig, type TestNamespace } from "../helpers/kube.js";
import { modeConfigMap } from "../helpers/manifests.js";
import { httpGet, type LogLine, logSink, startReadyService, testRunSettings, until } from "../helpers/service-run.js";
import { startTcpProxy, type TcpProxy } from "../helpers/tcp-proxy.js";

let work: string;
let ns: TestNamespace;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "watchdog-"));
  ns = await createTestNamespace(loadKubeConfig(), "watchdog");
});

afterAll(async () => {
  await ns?.delete();
  if (work) rmSync(work, { recursive: true, force: true });
});

/** A kubeconfig of the run's sandbox whose server is a TCP pass-through to it. */
async function proxied(): Promise<{ proxy: TcpProxy; kubeconfig: string }> {
  const config = parse(readFileSync(inject("kubeconfig"), "utf8"));
  const server = new URL(config.clusters[0].cluster.server);
  const proxy = await startTcpProxy({ host: server.hostname, port: Number(server.port) });
  config.clusters[0].cluster.server = `https://127.0.0.1:${proxy.port}`;
  const kubeconfig = join(work, `proxied-${proxy.port}.kubeconfig`);
  writeFileSync(kubeconfig, stringify(config), { mode: 0o600 });
  return { proxy, kubeconfig };
}

function sourceDir(name: string, docs: string[]): string {
  const dir = join(work, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "objects.yaml"), docs.join("---\n"));
  return dir;
}

const counter = (metrics: string, name: string, labels: string) => {
  const line = metrics.split("\n").find((l) => l.startsWith(`${name}{`) && l.includes(labels));
  return line ? Number(line.split(" ").pop()) : 0;
};

describe("a watch that went silent", () => {
  let service: RunningService;
  let proxy: TcpProxy;
  const lines: LogLine[] = [];

  afterAll(async () => {
    await service?.stop();
    await proxy?.close();
  });

  it("is relisted after the silence bound and its missed change is found", async () => {
    const docs = [modeConfigMap(ns.name, "quiet", "declared")];
    writeFileSync(join(work, "quiet.yaml"), docs.join("---\n"));
    kubectlIn(ns.name, "apply", "--server-side", "-f", join(work, "quiet.yaml"));
    const p = await proxied();
    proxy = p.proxy;
    service = await startReadyService({
      settings: testRunSettings({
        source: sourceDir("quiet-src", docs),
        kubeconfig: p.kubeconfig,
        dataDir: join(work, "quiet-data"),
        analysis: "off",
        sourcePoll: "1h",
        watchSilenceTimeout: "8s",
      }),
      log: logSink(lines),
    });
    // Idle pooled connections close after undici's keep-alive (4 s): only the watches' connections are left.
    await new Promise((r) => setTimeout(r, 5000));
    const before = counter(
      (await httpGet(service.address, "/metrics")).text,
      "drift_detector_watch_restarts_total",
      "silent",
    );
    proxy.freeze();
    kubectlIn(ns.name, "patch", "configmap", "quiet", "--type=merge", "-p", '{"data":{"mode":"manual"}}');
    const frozenAt = Date.now();
    const key = objectKey({ apiVersion: "v1", kind: "ConfigMap", namespace: ns.name, name: "quiet" });
    const rec = await until("the missed change found", () => service.trackers[0].openRecord(key), 90_000);
    process.stderr.write(`[watchdog] silent watch: drift found ${Date.now() - frozenAt} ms after the freeze\n`);
    expect(rec.changes.map((c) => c.path)).toEqual(["/data/mode"]);
    expect(lines.some((l) => l.msg === "watch silent; relisting")).toBe(true);
    const metrics = (await httpGet(service.address, "/metrics")).text;
    expect(counter(metrics, "drift_detector_watch_restarts_total", "silent")).toBeGreaterThan(before);
    expect(metrics).toMatch(/drift_detector_watch_age_seconds\{cluster="[^"]+",watch="v1\|ConfigMap\|/);
    await until("ready again", async () => (await httpGet(service.address, "/readyz")).status === 200);
  }, 180_000);
});

describe("an informer whose loop failed", () => {
  it("is started again with backoff and sees the changes made meanwhile", async () => {
    kubectlIn(ns.name, "create", "configmap", "flaky", "--from-literal=mode=one");
    const { proxy, kubeconfig } = await proxied();
    const kc = new KubeConfig();
    kc.loadFromFile(kubeconfig);
    const client = new KubeClient(kc);
    const logger = pino({ level: "silent" });
    const seen: string[] = [];
    let failOnce = true;
    const informer = new Informer({
      client,
      info: await new Discovery(client).resolve("v1", "ConfigMap"),
      namespace: ns.name,
      names: new Set(["flaky"]),
      logger,
      onChange: (obj) => seen.push(String((obj?.data as { mode?: string } | undefined)?.mode)),
      // A bug in a callback, once: the informer's loop ends (a thrown error outside its retry).
      onSyncChange: (synced) => {
        if (!synced && failOnce) {
          failOnce = false;
          throw new Error("callback bug");
        }
      },
    });
    const restarts: string[] = [];
    const watchdog = new WatchWatchdog({
      silenceMs: 60_000,
      checkMs: 200,
      logger,
      watches: () => [{ watch: "v1|ConfigMap", informer }],
      onRestart: (reason) => restarts.push(reason),
    });
    try {
      informer.start();
      watchdog.start();
      await informer.whenSynced();
      proxy.cut(); // the watch fails; reporting it throws
      await until("the loop failed", () => informer.failed === "callback bug" || restarts.length > 0);
      kubectlIn(ns.name, "patch", "configmap", "flaky", "--type=merge", "-p", '{"data":{"mode":"two"}}');
      proxy.restore();
      await until("the change seen after the restart", () => seen.includes("two"));
      expect(restarts).toContain("stopped");
      expect(informer.failed).toBeUndefined();
      expect(informer.stats.restarts).toBeGreaterThan(0);
    } finally {
      watchdog.stop();
      await informer.stop();
      await proxy.close();
      await client.close();
    }
  });
});

describe("a detection loop that hangs", () => {
  let service: RunningService;
  let fifo: string;

  afterAll(async () => {
    await service?.stop();
    if (fifo) rmSync(fifo, { force: true });
  });

  it("fails /healthz until it moves again", async () => {
    const docs = [modeConfigMap(ns.name, "hang", "declared")];
    writeFileSync(join(work, "hang.yaml"), docs.join("---\n"));
    kubectlIn(ns.name, "apply", "--server-side", "-f", join(work, "hang.yaml"));
    fifo = join(work, "engine-config.yaml"); // absent at start: the defaults
    service = await startReadyService({
      settings: testRunSettings({
        source: sourceDir("hang-src", docs),
        dataDir: join(work, "hang-data"),
        analysis: "off",
        sourcePoll: "1h",
        interval: "2s",
        detectionStallTimeout: "3s",
        config: fifo,
      }),
    });
    expect((await httpGet(service.address, "/healthz")).status).toBe(200);
    // The next full resync re-reads the configuration file: a FIFO without a writer blocks that read for good.
    execFileSync("mkfifo", [fifo]);
    const hungAt = Date.now();
    const stalled = await until(
      "/healthz failing",
      async () => {
        const r = await httpGet(service.address, "/healthz");
        return r.status === 503 ? r.body : undefined;
      },
      60_000,
    );
    process.stderr.write(`[watchdog] hung loop: /healthz 503 ${Date.now() - hungAt} ms after the hang began\n`);
    expect(stalled.status).toBe("stalled");
    expect(Object.keys(stalled.stalled)).toEqual([`cluster ${service.detectors[0].name}`]);
    // A writer ends the read: the loop goes on and /healthz recovers.
    const writer = await open(fifo, "w");
    await writer.write("{}\n");
    await writer.close();
    unlinkSync(fifo);
    await until("/healthz ok again", async () => (await httpGet(service.address, "/healthz")).status === 200);
  }, 120_000);
});

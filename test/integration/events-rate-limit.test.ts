// Kubernetes Events rate-limited per object, against the sandbox's kube-apiserver: a flapping object gets its burst
// of Events and no more; the next Event it gets (once its bucket refilled) says how many were suppressed, in its
// message and its `count`; another object has its own budget. Then the same through the service: an object flapping
// three times (six transitions) with a burst of two gets two Events, and the metric counts the four suppressed.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { DriftEvent } from "../../src/detector/records.js";
import { KubeEventReporter } from "../../src/detector/reporters/kube-event.js";
import { Tracker } from "../../src/detector/tracker.js";
import { loadCluster } from "../../src/kube/cluster.js";
import { objectKey } from "../../src/kube/liveview.js";
import type { RunningService } from "../../src/service/service.js";
import { aChange, aResult } from "../helpers/builders.js";
import { createTestNamespace, kubectlIn, loadKubeConfig, type TestNamespace } from "../helpers/kube.js";
import { modeConfigMap } from "../helpers/manifests.js";
import { httpGet, type LogLine, logSink, startReadyService, testRunSettings, until } from "../helpers/service-run.js";
import { proxiedKubeconfig } from "../helpers/tcp-proxy.js";

interface KubeEvent {
  reason: string;
  message: string;
  count: number;
  involvedObject: { name: string };
}

const driftEvents = (namespace: string, name: string): KubeEvent[] =>
  (JSON.parse(kubectlIn(namespace, "get", "events", "-o", "json")).items as KubeEvent[]).filter(
    (e) => e.involvedObject.name === name && e.reason.startsWith("Drift"),
  );

describe("Kubernetes Events rate-limited per object", () => {
  let ns: TestNamespace;
  let dir: string;
  let service: RunningService;
  const lines: LogLine[] = [];

  beforeAll(async () => {
    ns = await createTestNamespace(loadKubeConfig(), "evrate");
    dir = mkdtempSync(join(tmpdir(), "evrate-"));
  });

  afterAll(async () => {
    await service?.stop();
    await ns?.delete();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("posts a burst per object, then one per refill that counts the suppressed ones", async () => {
    const logger = pino({ level: "silent" });
    const cluster = loadCluster({ kubeconfig: inject("kubeconfig"), env: {} });
    const clock = { t: 0 };
    let suppressed = 0;
    const reporter = new KubeEventReporter({
      client: cluster.client,
      instance: "test",
      logger,
      liveObject: () => undefined,
      burst: 2,
      refillMs: 60_000,
      now: () => clock.t,
      onSuppressed: () => suppressed++,
    });
    const tracker = new Tracker({ cluster: "c", logger });
    const transition = async (name: string, drifted: boolean): Promise<DriftEvent> => {
      const ref = { apiVersion: "v1", kind: "ConfigMap", namespace: ns.name, name };
      const result = drifted
        ? aResult({ ref, changes: [aChange({ path: "/data/mode", live: "manual" })] })
        : aResult({ ref, status: "InSync", severity: null, changes: [] });
      const ev = await tracker.record(objectKey(ref), result);
      if (!ev) throw new Error("no transition");
      return ev;
    };
    for (let i = 0; i < 3; i++) {
      reporter.post(await transition("flappy", true));
      reporter.post(await transition("flappy", false));
    }
    reporter.post(await transition("calm", true));
    await reporter.idle();
    expect(driftEvents(ns.name, "flappy")).toHaveLength(2);
    expect(driftEvents(ns.name, "calm")).toHaveLength(1);
    expect(suppressed).toBe(4);

    clock.t += 60_000; // one token back
    reporter.post(await transition("flappy", true));
    reporter.post(await transition("flappy", false)); // over again
    await reporter.idle();
    const events = driftEvents(ns.name, "flappy");
    expect(events).toHaveLength(3);
    const aggregate = events.find((e) => e.count > 1);
    expect(aggregate?.count).toBe(5);
    expect(aggregate?.message).toMatch(/\(4 earlier drift Events of this object suppressed by the rate limit\)$/);
    expect(suppressed).toBe(5);
    await cluster.client.close();
  });

  it("gives up the queued Events at shutdown when the apiserver does not answer", async () => {
    const lines: LogLine[] = [];
    const { proxy, path } = await proxiedKubeconfig(inject("kubeconfig"), dir);
    const cluster = loadCluster({ kubeconfig: path, env: {} });
    const tracker = new Tracker({ cluster: "c", logger: pino({ level: "silent" }) });
    const reporter = new KubeEventReporter({
      client: cluster.client,
      instance: "test",
      logger: pino(logSink(lines)),
      liveObject: () => undefined,
    });
    proxy.stall(); // nothing flows and nothing is closed: each POST would wait for its timeout
    for (const name of ["s1", "s2", "s3"]) {
      const ref = { apiVersion: "v1", kind: "ConfigMap", namespace: ns.name, name };
      const ev = await tracker.record(objectKey(ref), aResult({ ref, changes: [aChange({ path: "/data/mode" })] }));
      if (ev) reporter.post(ev);
    }
    await reporter.close(500);
    expect(reporter.size).toBe(0);
    expect(lines.find((l) => l.msg === "Kubernetes Events not posted before shutdown")?.events).toBe(2);
    proxy.restore();
    await cluster.client.close();
    await proxy.close();
  });

  it("limits the service's Events per object and counts the suppressed ones", async () => {
    writeFileSync(join(dir, "live.yaml"), modeConfigMap(ns.name, "svc-flappy", "declared"));
    kubectlIn(ns.name, "apply", "--server-side", "-f", join(dir, "live.yaml"));
    mkdirSync(join(dir, "desired"));
    writeFileSync(join(dir, "desired", "app.yaml"), modeConfigMap(ns.name, "svc-flappy", "declared"));
    service = await startReadyService({
      settings: testRunSettings({
        source: join(dir, "desired"),
        dataDir: join(dir, "data"),
        eventBurst: "2",
        eventRefill: "1h",
        sourcePoll: "1h",
      }),
      log: logSink(lines),
    });
    const transitions = () => lines.filter((l) => l.event && l.resource === `ConfigMap ${ns.name}/svc-flappy`).length;
    for (let i = 1; i <= 3; i++) {
      for (const mode of ["manual", "declared"]) {
        kubectlIn(
          ns.name,
          "patch",
          "configmap",
          "svc-flappy",
          "--type=merge",
          "-p",
          JSON.stringify({ data: { mode } }),
        );
        const n = transitions();
        await until(`transition after ${mode} (${i})`, () => transitions() > n);
      }
    }
    expect(transitions()).toBe(6);
    await until("the suppressed Events counted", async () =>
      /drift_detector_events_suppressed_total 4\b/.test((await httpGet(service.address, "/metrics")).text),
    );
    expect(
      driftEvents(ns.name, "svc-flappy")
        .map((e) => e.reason)
        .sort(),
    ).toEqual(["DriftDetected", "DriftResolved"]);
  });
});

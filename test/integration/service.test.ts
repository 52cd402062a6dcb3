// The service against the sandbox's real kube-apiserver and controller manager: watch-driven detection, the drift
// record lifecycle, its log line, metrics and Kubernetes Events, and no detections caused by status churn.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DriftRecord } from "../../src/detector/records.js";
import type { RunningService } from "../../src/service/service.js";
import { createTestNamespace, kubectlIn, loadKubeConfig, type TestNamespace } from "../helpers/kube.js";
import { webAndSettings } from "../helpers/manifests.js";
import { httpGet, logSink, startReadyService, testRunSettings, untilWithin } from "../helpers/service-run.js";

let ns: TestNamespace;
let dir: string;
let service: RunningService;
const lines: Array<Record<string, unknown>> = [];

const kubectl = (...args: string[]): string => kubectlIn(ns.name, ...args);

const until = untilWithin(20_000);

const get = (path: string) => httpGet(service.address, path);

// The good documents, then one that is not YAML.
const manifests = (namespace: string) => `${webAndSettings(namespace)}---
apiVersion: v1
kind: ConfigMap
metadata: {name: broken
  namespace: [
`;

describe("drift-detector run (in process)", () => {
  beforeAll(async () => {
    ns = await createTestNamespace(loadKubeConfig(), "svc");
    dir = mkdtempSync(join(tmpdir(), "svc-"));
    const good = manifests(ns.name).split("---").slice(0, 2).join("---");
    writeFileSync(join(dir, "app.yaml"), good);
    kubectl("apply", "--server-side", "-f", join(dir, "app.yaml"));
    writeFileSync(join(dir, "broken.yaml"), manifests(ns.name).split("---")[2]);
    service = await startReadyService({
      settings: testRunSettings({ source: dir, dataDir: join(dir, "data") }),
      log: logSink(lines),
    });
  });

  afterAll(async () => {
    await service?.stop();
    await ns?.delete();
    rmSync(dir, { recursive: true, force: true });
  });

  it("reports the broken document as an error and watches the rest", async () => {
    const { body } = await get("/api/resources");
    const statuses = body.items.map((r: { status: string; ref: { name: string } }) => `${r.ref.name}:${r.status}`);
    expect(statuses).toContain("web:InSync");
    expect(statuses).toContain("settings:InSync");
    expect(body.items.filter((r: { status: string }) => r.status === "Error")).toHaveLength(1);
  });

  it("kubectl scale → one drift record, one log line, the metric and a Kubernetes Event; revert → resolved", async () => {
    kubectl("scale", "deployment/web", "--replicas=5");
    const record = await until("a drift record", async () => {
      const { body } = await get(`/api/drifts?namespace=${ns.name}`);
      return (body.items as DriftRecord[]).find((r) => r.ref.name === "web");
    });
    expect(record.status).toBe("open");
    expect(record.changes.map((c) => c.path)).toEqual(["/spec/replicas"]);
    const opened = await until("the log line", () => {
      const found = lines.filter((l) => l.event === "opened" && l.resource === `Deployment ${ns.name}/web`);
      return found.length > 0 ? found : undefined;
    });
    expect(opened).toHaveLength(1);
    expect(opened[0]).toMatchObject({ paths: ["/spec/replicas"], severity: "medium" });
    expect(opened[0].by).toEqual(["kubectl (Update scale)"]);
    const metrics = (await get("/metrics")).text;
    expect(metrics).toMatch(/drift_detector_drift_events_total\{event="opened"\} [1-9]/);
    expect(metrics).toContain(
      `drift_detector_drifted_resources{namespace="${ns.name}",kind="Deployment",severity="medium"} 1`,
    );
    const events = await until("the DriftDetected event", () => {
      const out = kubectl("get", "events", "--field-selector", "reason=DriftDetected", "-o", "json");
      const items = JSON.parse(out).items as Array<{ involvedObject: { name: string }; source: { component: string } }>;
      return items.length > 0 ? items : undefined;
    });
    expect(events[0].involvedObject.name).toBe("web");
    expect(events[0].source.component).toBe("drift-detector");
    // Its load on the apiserver is visible: the watches it holds and the Event it posted.
    const load = (await get("/metrics")).text;
    expect(load).toMatch(/drift_detector_kube_requests_total\{cluster="[^"]+",method="WATCH"\} [1-9]/);
    expect(load).toMatch(/drift_detector_kube_requests_total\{cluster="[^"]+",method="POST"\} [1-9]/);

    const detail = await get(`/api/drifts/${record.id}`);
    expect(detail.body.history.map((h: { event: string }) => h.event)).toEqual(["opened"]);
    expect(detail.body.analysis?.source).toBe("rules");

    kubectl("scale", "deployment/web", "--replicas=2");
    const resolved = await until("resolution", async () => {
      const { body } = await get(`/api/drifts/${record.id}`);
      return body.status === "resolved" ? (body as DriftRecord) : undefined;
    });
    expect(resolved.history.map((h) => h.event)).toEqual(["opened", "resolved"]);
    await until(
      "the resolved log line",
      () => lines.some((l) => l.event === "resolved" && l.resource === `Deployment ${ns.name}/web`) || undefined,
    );
    expect(lines.filter((l) => l.event === "opened" && l.resource === `Deployment ${ns.name}/web`)).toHaveLength(1);
  });

  it("status churn from the controller manager causes no detection", async () => {
    const detector = service.detectors[0];
    await until("settled queue", () => detector.queue.size === 0 || undefined);
    await new Promise((r) => setTimeout(r, 1000));
    const before = { ...detector.stats };
    const watch = detector.liveView.stats();
    // Deleting the ReplicaSet makes the deployment controller create a new one and rewrite the Deployment's status.
    kubectl("delete", "replicaset", "-l", "app=web", "--wait=false");
    await until("a status update dropped by the watch", () => {
      const now = detector.liveView.stats();
      return now.eventsDropped > watch.eventsDropped || undefined;
    });
    await new Promise((r) => setTimeout(r, 1500));
    const after = detector.liveView.stats();
    // Status-only updates end at the watch. Only a change of the object itself may be detected — depending on how
    // the controllers' syncs interleave, the deployment controller may also rewrite its revision annotation.
    const relevant = after.eventsReceived - after.eventsDropped - (watch.eventsReceived - watch.eventsDropped);
    expect(detector.stats.object - before.object).toBeLessThanOrEqual(relevant);
    expect(detector.stats.full).toBe(before.full);
  });

  it("picks up a changed desired state from the directory", async () => {
    writeFileSync(
      join(dir, "app.yaml"),
      manifests(ns.name).split("---").slice(0, 2).join("---").replace("mode: fast", "mode: slow"),
    );
    const record = await until("drift after the desired change", async () => {
      const { body } = await get(`/api/drifts?namespace=${ns.name}`);
      return (body.items as DriftRecord[]).find((r) => r.ref.name === "settings");
    });
    expect(record.changes[0]).toMatchObject({ path: "/data/mode", desired: "slow", live: "fast" });
  });

  it("guards the actions endpoint", async () => {
    const res = await fetch(`${service.address}/api/drifts/00000000-0000-0000-0000-000000000000/actions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ action: "revert" }),
    });
    // Even on loopback an action needs a credential (a cluster token through TokenReview, or DRIFT_API_TOKEN).
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: string }).error).toMatch(/bearer token/);
  });
});

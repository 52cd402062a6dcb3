// Fault: the watch history is compacted (410 Gone) during a burst of changes, against a private sandbox whose
// apiserver serves watches from etcd (--watch-cache=false) so that a compacted resourceVersion is answered 410.
// While objects change one after the other, the service's connection to the apiserver is cut (a TCP pass-through),
// more change (one is set back, one deleted), etcd is compacted past the service's resourceVersion, and the
// connection comes back with the changes still going: the resumed watch gets 410 and the informer relists. Asserts: every drift of the burst is recorded and announced
// once; drifts open before the fault stay open (same record, no resolution, no second announcement); the one object
// set back during the fault is resolved once; a deleted object is missing; nothing resolved that is still drifted.
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { objectKey } from "../../src/kube/liveview.js";
import { stop } from "../../src/sandbox/controlplane.js";
import type { RunningService } from "../../src/service/service.js";
import { compactEtcd } from "../helpers/etcd.js";
import { kubectlPath } from "../helpers/kube.js";
import { modeConfigMap } from "../helpers/manifests.js";
import { startPrivateSandbox } from "../helpers/private-sandbox.js";
import { httpGet, type LogLine, logSink, startReadyService, testRunSettings, until } from "../helpers/service-run.js";
import { proxiedKubeconfig, type TcpProxy } from "../helpers/tcp-proxy.js";

const run = promisify(execFile);
const ns = `compact-${Date.now().toString(36)}`;
const NAMES = Array.from({ length: 12 }, (_, i) => `cm-${i}`);

let work: string;
let sandboxDir: string;
let kubeconfig: string;

const kubectl = async (...args: string[]) =>
  (await run(kubectlPath(), ["--kubeconfig", kubeconfig, "-n", ns, ...args], { encoding: "utf8" })).stdout;
const setMode = (name: string, mode: string) =>
  kubectl("patch", "configmap", name, "--type=merge", "-p", JSON.stringify({ data: { mode } }));

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "fault-compact-"));
  // Without the watch cache, watches are served by etcd: a resourceVersion compacted away is answered with 410.
  ({ dir: sandboxDir, kubeconfig } = await startPrivateSandbox(work, ["--watch-cache=false"]));
}, 600_000);

afterAll(async () => {
  if (sandboxDir) await stop(sandboxDir);
  if (work) rmSync(work, { recursive: true, force: true });
}, 120_000);

describe("watch history compacted during a burst of changes", () => {
  let service: RunningService;
  let proxy: TcpProxy;
  const lines: LogLine[] = [];

  afterAll(async () => {
    await service?.stop();
    await proxy?.close();
  });

  it("relists after 410 and loses, repeats and falsely resolves nothing", async () => {
    await run(kubectlPath(), ["--kubeconfig", kubeconfig, "create", "namespace", ns]);
    const docs = NAMES.map((n) => modeConfigMap(ns, n, "declared")).join("---\n");
    writeFileSync(join(work, "live.yaml"), docs);
    await kubectl("apply", "--server-side", "-f", join(work, "live.yaml"));
    mkdirSync(join(work, "desired"));
    writeFileSync(join(work, "desired", "objects.yaml"), docs);
    const proxied = await proxiedKubeconfig(kubeconfig, work);
    proxy = proxied.proxy;
    service = await startReadyService(
      {
        settings: testRunSettings({
          source: join(work, "desired"),
          kubeconfig: proxied.path,
          dataDir: join(work, "data"),
          analysis: "off",
          sourcePoll: "1h",
        }),
        log: logSink(lines),
      },
      120_000,
    );
    const tracker = service.trackers[0];
    const detector = service.detectors[0];
    const record = (name: string) =>
      tracker.openRecord(objectKey({ apiVersion: "v1", kind: "ConfigMap", namespace: ns, name }));
    const announced = (event: string, name: string) =>
      lines.filter((l) => l.event === event && l.resource === `ConfigMap ${ns}/${name}`).length;
    const ready = async () => (await httpGet(service.address, "/readyz")).status === 200;

    // Open before the fault: cm-0, cm-1 and cm-2.
    for (const n of ["cm-0", "cm-1", "cm-2"]) await setMode(n, "manual");
    await until("the first drifts recorded", () => ["cm-0", "cm-1", "cm-2"].every((n) => record(n)));
    const before = new Map(["cm-0", "cm-2"].map((n) => [n, record(n)?.id]));
    expect(detector.liveView.stats().relists410).toBe(0);

    // The burst: one change after the other (each a kubectl call, a few hundred milliseconds), in three phases that
    // follow each other without a pause: before the cut, during it (then etcd is compacted), after it.
    const during: Array<() => Promise<unknown>> = [
      () => setMode("cm-7", "manual-cm-7"),
      () => setMode("cm-8", "manual-cm-8"),
      () => setMode("cm-1", "declared"), // set back: resolved
      () => kubectl("delete", "configmap", "cm-11"), // deleted: missing
    ];
    const after: Array<() => Promise<unknown>> = [
      () => setMode("cm-9", "manual-cm-9"),
      () => setMode("cm-10", "manual-cm-10"),
      () => setMode("cm-3", "manual-again"), // changed again: the same drift record, updated
    ];
    for (const n of ["cm-3", "cm-4", "cm-5", "cm-6"]) await setMode(n, `manual-${n}`);
    proxy.cut();
    const cutAt = Date.now();
    for (const change of during) await change();
    const revision = await compactEtcd(sandboxDir);
    proxy.restore();
    const restoredAt = Date.now();
    for (const change of after) await change();
    const burstEndedAt = Date.now();

    const drifted = NAMES.slice(0, 11).filter((n) => n !== "cm-1");
    await until(
      "every drift of the burst recorded",
      () => drifted.every((n) => record(n)) && record("cm-11")?.resourceStatus === "Missing" && !record("cm-1"),
      120_000,
    ).catch((err) => {
      // What was recorded, and the service's last words, to tell a lost drift from a slow relist.
      console.log(
        JSON.stringify(NAMES.map((n) => [n, record(n)?.resourceStatus, record(n)?.changes.map((c) => c.live)])),
      );
      console.log(JSON.stringify(detector.liveView.stats()));
      console.log(JSON.stringify([...detector.liveView.watches()].map((w) => [w.watch, w.informer.silentForMs()])));
      console.log(
        lines
          .slice(-60)
          .map((l) => JSON.stringify(l))
          .join("\n"),
      );
      throw err;
    });
    const recoveredMs = Date.now() - restoredAt;
    await until("a relist after 410", () => detector.liveView.stats().relists410 > 0, 60_000);
    await until("ready again", ready, 60_000);
    await until("cm-3 updated to its last change", () =>
      record("cm-3")?.changes.some((c) => c.live === "manual-again"),
    );
    // Late repeats would come from the relist's events: give them a few debounce periods, then count.
    await new Promise((r) => setTimeout(r, 3000));

    for (const n of ["cm-0", "cm-2"]) {
      expect(record(n)?.id).toBe(before.get(n)); // the same record throughout
      expect(announced("opened", n)).toBe(1);
      expect(announced("resolved", n)).toBe(0);
    }
    expect(announced("opened", "cm-1")).toBe(1);
    expect(announced("resolved", "cm-1")).toBe(1);
    for (const n of [...NAMES.slice(3, 11), "cm-11"]) {
      expect(announced("opened", n)).toBe(1);
      expect(announced("resolved", n)).toBe(0);
    }
    expect(record("cm-7")?.changes.map((c) => c.path)).toEqual(["/data/mode"]);
    expect(lines.some((l) => l.msg === "watch expired (410 Gone); relisting")).toBe(true);
    expect(lines.filter((l) => l.msg === "detection loop failed")).toHaveLength(0);
    console.log(
      JSON.stringify({
        figures: "watch compacted during a burst",
        cutForMs: restoredAt - cutAt,
        compactedRevision: revision,
        burstEndedAfterRestoreMs: burstEndedAt - restoredAt,
        allRecordedAfterRestoreMs: recoveredMs,
        relists410: detector.liveView.stats().relists410,
        openRecords: tracker.openRecords.length,
        transitions: lines.filter((l) => l.event).length,
      }),
    );
  }, 400_000);
});

// The kube-apiserver SIGKILLed in the middle of detection (a private sandbox of this file, killed and started again
// on the same etcd), twice: the moment the detection loop starts (its informers listing, the first full detection
// of 200 objects in server mode, one dry-run each, not done), and while the drifts of a burst of 20 changes are
// being announced. Each time: no crash, every drift announced exactly once, nothing resolved, and the service is
// back (ready, every drift found) within a bound. The recovery figures are printed for the note.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startApiserver, stop } from "../../src/sandbox/controlplane.js";
import { sandboxLayout } from "../../src/sandbox/layout.js";
import { type RunningService, startService } from "../../src/service/service.js";
import { kubectlPath } from "../helpers/kube.js";
import { modeConfigMap } from "../helpers/manifests.js";
import { startPrivateSandbox } from "../helpers/private-sandbox.js";
import { httpGet, type LogLine, logSink, testRunSettings, until } from "../helpers/service-run.js";

const OBJECTS = 200;
const names = Array.from({ length: OBJECTS }, (_, i) => `cm-${String(i).padStart(3, "0")}`);
const driftedAtStart = names.filter((_, i) => i % 10 === 0); // 20, spread over the whole detection
const burst = names.filter((_, i) => i % 10 === 5); // 20 more, changed later
// Bounds of recovery (the apiserver needs a few seconds to start; the lease may have to be taken again).
const RECOVERY_MS = 90_000;

let sandboxDir: string;
let kubeconfig: string;
let work: string;

const kubectl = (input: string | undefined, ...args: string[]) =>
  execFileSync(kubectlPath(), ["--kubeconfig", kubeconfig, ...args], { encoding: "utf8", input });

function killApiserver(): void {
  const pid = Number(readFileSync(sandboxLayout(sandboxDir).pidFile("kube-apiserver"), "utf8").trim());
  process.kill(pid, "SIGKILL");
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "svc-apiserver-kill-"));
  ({ dir: sandboxDir, kubeconfig } = await startPrivateSandbox(work));
}, 600_000);

afterAll(async () => {
  if (sandboxDir) await stop(sandboxDir);
  if (work) rmSync(work, { recursive: true, force: true });
}, 120_000);

describe("apiserver SIGKILLed mid-detection", () => {
  let service: RunningService | undefined;
  const lines: LogLine[] = [];
  const ns = `kill-${Date.now().toString(36)}`;
  const opened = (name: string) =>
    lines.filter((l) => l.event === "opened" && l.resource === `ConfigMap ${ns}/${name}`).length;
  const openedOf = (set: string[]) => set.filter((n) => opened(n) > 0).length;

  afterAll(async () => {
    await service?.stop();
  });

  it("recovers both times, announcing every drift once and resolving nothing", async () => {
    kubectl(undefined, "create", "namespace", ns);
    const live = names.map((n) => modeConfigMap(ns, n, driftedAtStart.includes(n) ? "manual" : "declared"));
    kubectl(live.join("---\n"), "apply", "--server-side", "-f", "-");
    const source = join(work, "desired");
    mkdirSync(source, { recursive: true });
    writeFileSync(join(source, "objects.yaml"), names.map((n) => modeConfigMap(ns, n, "declared")).join("---\n"));

    service = await startService({
      env: {},
      logDestination: logSink(lines) as never,
      settings: testRunSettings({
        source,
        kubeconfig,
        mode: "server",
        dataDir: join(work, "data"),
        leaderElection: "true",
        leaseNamespace: ns,
        leaseDuration: "6s",
        sourcePoll: "1h",
      }),
      tuning: { leaseRetryMs: 500 },
    });
    const address = service.address;
    const ready = async () => (await httpGet(address, "/readyz").catch(() => ({ status: 0 }))).status === 200;

    // 1. The detection loop has just started: killed before its first full detection is done.
    await until("detection started", () => lines.some((l) => l.msg === "detecting"), 120_000);
    killApiserver();
    const firstDoneBeforeKill = lines.some((l) => l.msg === "first full detection done");
    const atKill1 = openedOf(driftedAtStart);
    await new Promise((r) => setTimeout(r, 10_000));
    expect((await httpGet(address, "/healthz")).status).toBe(200);
    const atRestart1 = openedOf(driftedAtStart);
    const restart1 = Date.now();
    await startApiserver(sandboxDir);
    const apiserverUp1 = Date.now() - restart1;
    await until(
      "every drift of the start found",
      () => openedOf(driftedAtStart) === driftedAtStart.length,
      RECOVERY_MS,
    );
    const found1 = Date.now() - restart1;
    await until("ready", ready, RECOVERY_MS);
    const ready1 = Date.now() - restart1;

    // 2. During a burst of changes seen by the watches: killed as soon as the first of them is announced.
    const changed = burst.map((n) => modeConfigMap(ns, n, "manual"));
    kubectl(changed.join("---\n"), "apply", "--server-side", "--field-manager=hand", "--force-conflicts", "-f", "-");
    await until("the first change of the burst announced", () => openedOf(burst) > 0, RECOVERY_MS);
    killApiserver();
    const atKill2 = openedOf(burst);
    await new Promise((r) => setTimeout(r, 10_000));
    expect((await httpGet(address, "/healthz")).status).toBe(200);
    const atRestart2 = openedOf(burst);
    const restart2 = Date.now();
    await startApiserver(sandboxDir);
    const apiserverUp2 = Date.now() - restart2;
    await until("every change of the burst found", () => openedOf(burst) === burst.length, RECOVERY_MS);
    const found2 = Date.now() - restart2;
    await until("ready again", ready, RECOVERY_MS);
    const ready2 = Date.now() - restart2;

    for (const n of [...driftedAtStart, ...burst]) expect(opened(n), n).toBe(1);
    for (const n of names.filter((x) => !driftedAtStart.includes(x) && !burst.includes(x)))
      expect(opened(n), n).toBe(0);
    expect(lines.filter((l) => l.event === "resolved")).toEqual([]);
    expect(lines.filter((l) => l.msg === "detection loop failed")).toEqual([]);
    const records = (await httpGet(address, "/api/drifts?limit=1000")).body.items as unknown[];
    expect(records).toHaveLength(driftedAtStart.length + burst.length);

    process.stdout.write(
      `apiserver-kill figures: first detection killed at ${atKill1}/${driftedAtStart.length} drifts ` +
        `(${atRestart1} when restarted 10 s later; first full detection done before the kill: ${firstDoneBeforeKill}); ` +
        `after restart ` +
        `apiserver ready ${apiserverUp1} ms, all drifts ${found1} ms, /readyz ${ready1} ms. Burst killed at ` +
        `${atKill2}/${burst.length} (${atRestart2} at restart); apiserver ready ${apiserverUp2} ms, all drifts ${found2} ms, /readyz ${ready2} ms\n`,
    );
  }, 600_000);
});

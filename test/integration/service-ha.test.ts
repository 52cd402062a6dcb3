// Two real service processes sharing PostgreSQL and a Lease in the sandbox: the leader killed with SIGKILL, the
// follower takes over and announces nothing twice; SIGTERM while detecting ends the process cleanly within 10 s.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createTestNamespace, kubectlIn, loadKubeConfig, type TestNamespace } from "../helpers/kube.js";
import { webAndSettings } from "../helpers/manifests.js";
import { untilWithin } from "../helpers/service-run.js";
import { createTestDatabase } from "../helpers/stores.js";

const kubeconfig = inject("kubeconfig");
const BIN = join(import.meta.dirname, "../../bin/drift-detector.js");
let ns: TestNamespace;
let dir: string;
let databaseUrl: string;
const children: Replica[] = [];

interface Replica {
  name: string;
  child: ChildProcess;
  lines: Array<Record<string, unknown>>;
  exited: Promise<{ code: number | null; signal: string | null; at: number }>;
}

const kubectl = (...args: string[]): string => kubectlIn(ns.name, ...args);

function startReplica(name: string): Replica {
  const child = spawn(
    process.execPath,
    [
      BIN,
      "run",
      "--source",
      join(dir, "m"),
      "--listen",
      "127.0.0.1:0",
      "--lease-namespace",
      ns.name,
      "--lease-duration",
      "6s",
    ],
    {
      env: {
        ...process.env,
        KUBECONFIG: kubeconfig,
        DATABASE_URL: databaseUrl,
        DRIFT_ANALYSIS: "rules",
        DRIFT_LEASE_NAME: "ha-test",
        POD_NAME: name,
      },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  const lines: Array<Record<string, unknown>> = [];
  createInterface({ input: child.stdout! }).on("line", (l) => {
    try {
      lines.push(JSON.parse(l));
    } catch {
      lines.push({ msg: l });
    }
  });
  child.stderr!.on("data", (d) => lines.push({ stderr: String(d) }));
  const exited = new Promise<{ code: number | null; signal: string | null; at: number }>((resolve) =>
    child.on("exit", (code, signal) => resolve({ code, signal, at: Date.now() })),
  );
  const r = { name, child, lines, exited };
  children.push(r);
  return r;
}

const until = untilWithin(60_000);

const has = (r: Replica, pred: (l: Record<string, unknown>) => boolean) => r.lines.some(pred) || undefined;
const opened = (r: Replica, name: string) =>
  r.lines.filter((l) => l.event === "opened" && l.resource === `${name}`).length;

describe("replicas sharing PostgreSQL and a Lease", () => {
  beforeAll(async () => {
    ns = await createTestNamespace(loadKubeConfig(), "ha");
    dir = mkdtempSync(join(tmpdir(), "ha-"));
    databaseUrl = await createTestDatabase();
    execFileSync("mkdir", ["-p", join(dir, "m")]);
    writeFileSync(join(dir, "m", "app.yaml"), webAndSettings(ns.name, 1));
    kubectl("apply", "--server-side", "-f", join(dir, "m", "app.yaml"));
  });

  afterAll(async () => {
    for (const r of children) if (r.child.exitCode === null && r.child.signalCode === null) r.child.kill("SIGKILL");
    await ns?.delete();
    rmSync(dir, { recursive: true, force: true });
  });

  it("a follower takes over from a SIGKILLed leader without announcing a drift twice; SIGTERM exits cleanly", async () => {
    const a = startReplica("replica-a");
    await until("a leads", () => has(a, (l) => l.msg === "became leader"));
    await until("a detected", () => has(a, (l) => l.msg === "first full detection done"));
    const b = startReplica("replica-b");
    await until("b started", () => has(b, (l) => l.msg === "drift-detector started"));

    kubectl("scale", "deployment/web", "--replicas=4");
    const web = `Deployment ${ns.name}/web`;
    await until("a announces the drift", () => opened(a, web) === 1);

    a.child.kill("SIGKILL");
    await a.exited;
    await until("b takes over", () => has(b, (l) => l.msg === "became leader"), 30_000);
    await until("b detected", () => has(b, (l) => l.msg === "first full detection done"));
    // b's own work is live: a new drift is announced by b, the old one is not announced again.
    kubectl("patch", "configmap", "settings", "-p", '{"data":{"mode":"slow"}}');
    await until("b announces the new drift", () => opened(b, `ConfigMap ${ns.name}/settings`) === 1);
    expect(opened(b, web)).toBe(0);
    expect(opened(a, web) + opened(b, web)).toBe(1);

    // SIGTERM while a detection is under way.
    kubectl("scale", "deployment/web", "--replicas=1");
    b.child.kill("SIGTERM");
    const sent = Date.now();
    const exit = await b.exited;
    expect(exit.code).toBe(0);
    expect(exit.at - sent).toBeLessThan(10_000);
    const lease = JSON.parse(kubectl("get", "lease", "ha-test", "-o", "json"));
    expect(lease.spec.holderIdentity ?? "").toBe("");
    // Two replicas start as child processes: on a busy machine each start alone can take most of a minute.
  }, 240_000);
});

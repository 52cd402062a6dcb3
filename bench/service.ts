// Benchmark of `drift-detector run` as its own process against a real sandbox, measured from outside as an
// operator would: detection latency (a kubectl-style change → the drift's log line) p50/p95, first full detection
// and periodic full resync durations, and at rest (nothing changing) the process's CPU, RSS and the requests it
// sends to the apiserver. Memory comes from /proc of the service process, not from the benchmark's own.
// Usage: npm run bench:service -- [--objects 1000,10000] [--changes 30] [--rest 60] [--kubeconfig F]
// [--store embedded|postgres] [--mode auto|server|client] [--dist] [--keep] [--node-flags="--cpu-prof …"]
// The objects are bench/fleet.ts's (namespaces of 5,000, mostly ConfigMaps of ~1 KB), applied in parallel; --keep
// leaves them in place for the next run, which then applies only what is missing.
// --dist runs the compiled service with the command line of the container's ENTRYPOINT (`npm run build` first);
// without it, bin/drift-detector.js as `npx drift-detector run` starts it (the same build without the ENTRYPOINT's
// node flags; the sources through tsx only when a source file is newer than the build). Default kubeconfig:
// DRIFT_BENCH_KUBECONFIG, then .sandbox/dev/kubeconfig; postgres: DATABASE_URL, else a throwaway server as the
// tests start one.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import { loadCluster } from "../src/kube/cluster.js";
import { mapLimit } from "../src/lib/concurrency.js";
import { applyFleet, applyOne, deleteFleet, fleet, writeDesired } from "./fleet.js";
import { percentile } from "./percentile.js";

const { values } = parseArgs({
  options: {
    objects: { type: "string", default: "1000" },
    changes: { type: "string", default: "30" },
    rest: { type: "string", default: "60" },
    kubeconfig: { type: "string" },
    mode: { type: "string", default: "auto" },
    store: { type: "string", default: "embedded" },
    dist: { type: "boolean", default: false },
    keep: { type: "boolean", default: false },
    "node-flags": { type: "string", default: "" },
  },
});
const ROOT = resolve(import.meta.dirname, "..");
const kubeconfig = resolve(values.kubeconfig ?? process.env.DRIFT_BENCH_KUBECONFIG ?? ".sandbox/dev/kubeconfig");
const client = loadCluster({ kubeconfig }).client;
const postgres =
  values.store === "postgres" && !process.env.DATABASE_URL
    ? await (await import("../test/setup/postgres.js")).startPostgres()
    : undefined;
const databaseUrl = values.store === "postgres" ? (process.env.DATABASE_URL ?? postgres?.url) : undefined;
// A full resync is due this long after the previous one: long enough that the latency run ends before the first
// resync, short enough to wait for it; the rest window then ends before the next one.
const INTERVAL_S = 120;

/** The service's command line: the container's ENTRYPOINT (with its node flags) or the installed command's. */
function serviceCommand(): string[] {
  const flags = values["node-flags"].split(" ").filter(Boolean);
  if (!values.dist) return [process.execPath, ...flags, join(ROOT, "bin/drift-detector.js"), "run"];
  const line = readFileSync(join(ROOT, "Dockerfile"), "utf8").match(/^ENTRYPOINT (\[.*\])$/m);
  if (!line) throw new Error("no ENTRYPOINT [...] line in the Dockerfile");
  const [node, ...args] = JSON.parse(line[1]) as string[];
  if (node !== "node") throw new Error(`the ENTRYPOINT runs ${node}, not node`);
  return [process.execPath, ...flags, ...args.map((a) => (a.startsWith("dist/") ? join(ROOT, a) : a))];
}

// The log lines that mark the start-up's phases: the process running, the desired state read (and the mode
// resolved), the first full detection done.
const MARKS = ["drift-detector started", "detecting", "first full detection done"];

/** The service process: its log lines by message, its /metrics, its /proc figures. */
class Service {
  readonly proc: ChildProcess;
  private address?: string;
  private readonly waiters = new Map<string, () => void>();
  readonly exited: Promise<number | null>;
  /** Milliseconds from the spawn to the first log line of each message in MARKS: where start-up time goes. */
  readonly marks = new Map<string, number>();
  private readonly spawnedAt = performance.now();

  constructor(env: NodeJS.ProcessEnv) {
    const [cmd, ...args] = serviceCommand();
    this.proc = spawn(cmd, args, { env, stdio: ["ignore", "pipe", "inherit"] });
    this.exited = new Promise((r) => this.proc.on("exit", r));
    createInterface({ input: this.proc.stdout! }).on("line", (line) => {
      if (!line.startsWith("{")) return void console.error(line); // --node-flags=--trace-gc and the like
      const entry = JSON.parse(line) as { msg: string; address?: string; level: number };
      if (entry.msg === "drift-detector started") this.address = entry.address;
      if (MARKS.includes(entry.msg) && !this.marks.has(entry.msg))
        this.marks.set(entry.msg, Math.round(performance.now() - this.spawnedAt));
      if (entry.level >= 50) console.error(line);
      this.waiters.get(entry.msg)?.();
    });
  }

  /** Resolves on the next log line with exactly this message. */
  next(msg: string): Promise<void> {
    return new Promise((r) =>
      this.waiters.set(msg, () => {
        this.waiters.delete(msg);
        r();
      }),
    );
  }

  async ready(): Promise<void> {
    for (;;) {
      if (this.proc.exitCode !== null) throw new Error(`the service exited with ${this.proc.exitCode}`);
      if (this.address && (await fetch(`${this.address}/readyz`).catch(() => undefined))?.ok) return;
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /** The samples of /metrics, as "name{labels}" → value. */
  async metrics(): Promise<Map<string, number>> {
    const text = await (await fetch(`${this.address}/metrics`)).text();
    const m = new Map<string, number>();
    for (const line of text.split("\n")) {
      const hit = line.match(/^(\S+) (\S+)$/);
      if (hit) m.set(hit[1], Number(hit[2]));
    }
    return m;
  }

  /** CPU seconds (user + system), resident memory and its peak so far in MB, from /proc. */
  usage(): { cpuS: number; rssMB: number; peakMB: number } {
    const stat = readFileSync(`/proc/${this.proc.pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15 of proc(5))
    const status = readFileSync(`/proc/${this.proc.pid}/status`, "utf8");
    const kB = (name: string) => Number(status.match(new RegExp(`${name}:\\s+(\\d+)`))?.[1]);
    return { cpuS: ticks / 100, rssMB: Math.round(kB("VmRSS") / 1024), peakMB: Math.round(kB("VmHWM") / 1024) };
  }

  async stop(): Promise<number | null> {
    this.proc.kill("SIGTERM");
    return this.exited;
  }
}

const sum = (m: Map<string, number>, prefix: string) =>
  [...m].filter(([k]) => k.startsWith(prefix)).reduce((a, [, v]) => a + v, 0);
const MB = (m: Map<string, number>, name: string) => Math.round((m.get(name) ?? 0) / 1048576);

async function bench(n: number): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), "bench-service-"));
  const f = fleet(n, `bench-svc-${n}`);
  const t0 = performance.now();
  const applied = await applyFleet(client, f, (line) => console.error(line));
  const changed = Array.from(
    { length: Number(values.changes) },
    (_, i) => f.configMaps[(i * 7919) % f.configMaps.length]!,
  );
  // A kept fleet may hold an earlier run's hand changes: the objects changed below start as desired.
  await mapLimit(changed, 16, (o) => applyOne(client, o));
  const createS = (performance.now() - t0) / 1000;
  writeDesired(f, join(dir, "desired"));

  const service = new Service({
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    KUBECONFIG: kubeconfig,
    DRIFT_SOURCE: join(dir, "desired"),
    DRIFT_ANALYSIS: "off",
    DRIFT_LISTEN: "127.0.0.1:0",
    DRIFT_DATA_DIR: join(dir, "data"),
    DRIFT_LEADER_ELECTION: "false",
    DRIFT_MODE: values.mode,
    DRIFT_INTERVAL: `${INTERVAL_S}s`,
    DRIFT_SOURCE_POLL: "1h",
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
    // The dry-run pool of the first full detection (server mode), passed through when set.
    ...(process.env.DRIFT_DRYRUN_CONCURRENCY ? { DRIFT_DRYRUN_CONCURRENCY: process.env.DRIFT_DRYRUN_CONCURRENCY } : {}),
  });
  const started = performance.now();
  await service.ready();
  const firstFullS = (performance.now() - started) / 1000;

  // Latency: change one ConfigMap as kubectl would (a merge patch), wait for its drift's log line.
  const latencies: number[] = [];
  for (const [i, o] of changed.entries()) {
    const { namespace, name } = o.object.metadata;
    const opened = service.next(`drift opened: ConfigMap ${namespace}/${name}`);
    const t = performance.now();
    await client.request({
      method: "PATCH",
      path: `/api/v1/namespaces/${namespace}/configmaps/${name}`,
      query: { fieldManager: "kubectl-patch" },
      body: { data: { "key-0": `b${i}` } },
      contentType: "application/merge-patch+json",
    });
    await opened;
    latencies.push(performance.now() - t);
  }

  // The periodic full resync, from the detection-duration histogram.
  const full = 'drift_detector_detection_duration_seconds_count{scope="full"}';
  let m = await service.metrics();
  const fullCount = m.get(full) ?? 0;
  const fullSum = m.get('drift_detector_detection_duration_seconds_sum{scope="full"}') ?? 0;
  while (m.get(full) === fullCount) {
    await new Promise((r) => setTimeout(r, 500));
    m = await service.metrics();
  }
  const resyncS = (m.get('drift_detector_detection_duration_seconds_sum{scope="full"}') ?? 0) - fullSum;

  // At rest: nothing changes for --rest seconds.
  await new Promise((r) => setTimeout(r, 5000));
  const restS = Number(values.rest);
  const before = service.usage();
  m = await service.metrics();
  const requestsBefore = sum(m, "drift_detector_kube_requests_total");
  await new Promise((r) => setTimeout(r, restS * 1000));
  const after = service.usage();
  m = await service.metrics();
  const requestsAtRest = sum(m, "drift_detector_kube_requests_total") - requestsBefore;
  const result = {
    objects: n,
    mode: values.mode,
    store: values.store,
    build: values.dist ? "dist (container ENTRYPOINT)" : "bin/drift-detector.js (npx drift-detector)",
    objectsApplied: applied,
    namespaces: f.namespaces.length,
    applySeconds: +createS.toFixed(1),
    startToReadySeconds: +firstFullS.toFixed(1),
    startupMarksMs: Object.fromEntries(service.marks),
    fullResyncSeconds: +resyncS.toFixed(2),
    latencyP50Ms: Math.round(percentile(latencies, 50)),
    latencyP95Ms: Math.round(percentile(latencies, 95)),
    latencyMaxMs: Math.round(Math.max(...latencies)),
    restCpuPercent: +(((after.cpuS - before.cpuS) / restS) * 100).toFixed(2),
    rssMB: after.rssMB,
    rssPeakMB: after.peakMB,
    memoryMB: {
      heapUsed: MB(m, "nodejs_heap_size_used_bytes"),
      heapTotal: MB(m, "nodejs_heap_size_total_bytes"),
      external: MB(m, "nodejs_external_memory_bytes"),
    },
    apiRequestsPerMinuteAtRest: +((requestsAtRest / restS) * 60).toFixed(1),
  };
  const code = await service.stop();
  if (code !== 0) console.error(`the service exited with ${code} on SIGTERM`);
  if (values.keep) await mapLimit(changed, 16, (o) => applyOne(client, o));
  else await deleteFleet(client, f);
  rmSync(dir, { recursive: true, force: true });
  return result;
}

for (const n of values.objects.split(",").map(Number)) console.log(JSON.stringify(await bench(n)));
await client.close();
await postgres?.stop();

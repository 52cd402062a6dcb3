// Benchmark of `drift-detector run` against a real sandbox: detection latency (change → drift record) p50/p95,
// full detection duration, steady-state CPU and RSS with nothing changing, and apiserver requests per minute at
// rest, and where the memory goes (V8 heap, the live cache, the rest: PGlite's WebAssembly memory, buffers).
// Usage: npm run bench:service -- [--objects 1000,10000] [--changes 30] [--rest 60] [--kubeconfig F]
// [--store embedded|postgres] [--dist] (default kubeconfig: DRIFT_BENCH_KUBECONFIG, then .sandbox/dev/kubeconfig;
// postgres: DATABASE_URL, else a throwaway server as the tests start one). --dist runs the compiled service
// (`npm run build` first), as the container does, rather than the sources transpiled by tsx.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { parseArgs } from "node:util";
import type { RunningService } from "../src/detector/service.js";

const { values } = parseArgs({
  options: {
    objects: { type: "string", default: "1000" },
    changes: { type: "string", default: "30" },
    rest: { type: "string", default: "60" },
    kubeconfig: { type: "string" },
    mode: { type: "string", default: "auto" },
    store: { type: "string", default: "embedded" },
    dist: { type: "boolean", default: false },
  },
});
// The same modules from dist/ or src/ (never both: each copy would hold its own module memory).
const root = values.dist ? "../dist" : "../src";
const { startService } = (await import(`${root}/detector/service.js`)) as typeof import("../src/detector/service.js");
const { loadRunSettings } = (await import(
  `${root}/detector/settings.js`
)) as typeof import("../src/detector/settings.js");
const { loadCluster } = (await import(`${root}/kube/cluster.js`)) as typeof import("../src/kube/cluster.js");
const { objectKey } = (await import(`${root}/kube/liveview.js`)) as typeof import("../src/kube/liveview.js");
const kubeconfig = values.kubeconfig ?? process.env.DRIFT_BENCH_KUBECONFIG ?? ".sandbox/dev/kubeconfig";
const cluster = loadCluster({ kubeconfig });
const postgres =
  values.store === "postgres" && !process.env.DATABASE_URL
    ? await (await import("../test/setup/postgres.js")).startPostgres()
    : undefined;
const databaseUrl = values.store === "postgres" ? (process.env.DATABASE_URL ?? postgres?.url) : undefined;

const MB = (bytes: number) => Math.round(bytes / 1048576);

/** process.memoryUsage() after a full GC (run with --expose-gc), in MB. */
function memory(): Record<string, number> {
  (globalThis as { gc?: () => void }).gc?.();
  const m = process.memoryUsage();
  return {
    rss: MB(m.rss),
    heapUsed: MB(m.heapUsed),
    heapTotal: MB(m.heapTotal),
    external: MB(m.external),
    arrayBuffers: MB(m.arrayBuffers),
  };
}

async function mapLimit<T>(items: T[], limit: number, fn: (t: T) => Promise<void>): Promise<void> {
  let i = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (i < items.length) await fn(items[i++]);
    }),
  );
}

const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];

async function bench(n: number): Promise<Record<string, unknown>> {
  const ns = `bench-${n}-${Date.now().toString(36)}`;
  const dir = mkdtempSync(join(tmpdir(), "bench-service-"));
  const c = cluster.client;
  await c.request({
    method: "POST",
    path: "/api/v1/namespaces",
    body: { apiVersion: "v1", kind: "Namespace", metadata: { name: ns } },
  });
  const names = Array.from({ length: n }, (_, i) => `cm-${i}`);
  const docs: string[] = [];
  const t0 = performance.now();
  await mapLimit(names, 32, async (name) => {
    const body = {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name, namespace: ns },
      data: { value: "a", index: name },
    };
    await c.request({ method: "POST", path: `/api/v1/namespaces/${ns}/configmaps`, body });
  });
  for (const name of names)
    docs.push(
      `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ${name}, namespace: ${ns}}\ndata: {value: a, index: ${name}}\n`,
    );
  writeFileSync(join(dir, "all.yaml"), docs.join("---\n"));
  const createS = (performance.now() - t0) / 1000;

  const settings = loadRunSettings({
    env: {},
    flags: {
      source: join(dir, "all.yaml"),
      kubeconfig,
      analysis: "off",
      listen: "127.0.0.1:0",
      dataDir: join(dir, "data"),
      ...(databaseUrl ? { databaseUrl } : {}),
      leaderElection: "false",
      mode: values.mode,
      interval: "1h",
      sourcePoll: "1h",
    },
  });
  const sink = new Writable({ write: (_c, _e, cb) => cb() });
  const rssBefore = process.memoryUsage().rss;
  const started = performance.now();
  const service: RunningService = await startService({ settings, env: {}, logDestination: sink as never });
  const detector = service.detectors[0];
  while (detector.stats.full === 0) await new Promise((r) => setTimeout(r, 50));
  const firstFullS = (performance.now() - started) / 1000;
  const fullS = detector.stats.lastFullMs / 1000;

  // Latency: change one ConfigMap (as kubectl would: a merge patch), wait for its drift record.
  const changes = Number(values.changes);
  const latencies: number[] = [];
  for (let i = 0; i < changes; i++) {
    const name = names[(i * 7919) % n];
    const key = objectKey({ apiVersion: "v1", kind: "ConfigMap", namespace: ns, name });
    const t = performance.now();
    await c.request({
      method: "PATCH",
      path: `/api/v1/namespaces/${ns}/configmaps/${name}`,
      query: { fieldManager: "kubectl-patch" },
      body: { data: { value: `b${i}` } },
      contentType: "application/merge-patch+json",
    });
    while (!service.trackers[0].openRecord(key)) await new Promise((r) => setTimeout(r, 2));
    latencies.push(performance.now() - t);
  }

  // A forced full resync at this size (the periodic one).
  const fullCount = detector.stats.full;
  (detector as unknown as { fullDue: boolean }).fullDue = true;
  detector.queue.wake();
  while (detector.stats.full === fullCount) await new Promise((r) => setTimeout(r, 20));
  const resyncS = detector.stats.lastFullMs / 1000;

  // At rest: nothing changes; count CPU, RSS and requests.
  await new Promise((r) => setTimeout(r, 2000));
  const restS = Number(values.rest);
  const reqBefore = c.stats.requests;
  const watchesBefore = detector.liveView.stats().watches;
  const cpuBefore = process.cpuUsage();
  await new Promise((r) => setTimeout(r, restS * 1000));
  const cpu = process.cpuUsage(cpuBefore);
  const requests = c.stats.requests - reqBefore + (detector.liveView.stats().watches - watchesBefore);
  const rss = process.memoryUsage().rss;
  const mem = memory();
  const result = {
    objects: n,
    mode: values.mode,
    store: values.store,
    build: values.dist ? "dist" : "tsx",
    createSeconds: +createS.toFixed(1),
    startToFirstFullSeconds: +firstFullS.toFixed(2),
    firstFullDetectionSeconds: +fullS.toFixed(2),
    fullResyncSeconds: +resyncS.toFixed(2),
    latencyP50Ms: +pct(latencies, 50).toFixed(0),
    latencyP95Ms: +pct(latencies, 95).toFixed(0),
    latencyMaxMs: +Math.max(...latencies).toFixed(0),
    restCpuPercent: +(((cpu.user + cpu.system) / 1000 / (restS * 1000)) * 100).toFixed(2),
    rssMB: Math.round(rss / 1048576),
    rssGrowthMB: Math.round((rss - rssBefore) / 1048576),
    memoryAfterGcMB: mem,
    liveCacheObjects: detector.liveView.stats().objects,
    apiRequestsPerMinuteAtRest: +((requests / restS) * 60).toFixed(1),
  };
  await service.stop();
  await c.request({ method: "DELETE", path: `/api/v1/namespaces/${ns}` }).catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
  return result;
}

for (const n of values.objects.split(",").map(Number)) {
  const r = await bench(n);
  console.log(JSON.stringify(r));
}
await cluster.client.close();
await postgres?.stop();
process.exit(0);

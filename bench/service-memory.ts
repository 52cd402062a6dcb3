// Bytes per object of what the service keeps for each desired object, measured in one process against a real
// sandbox holding bench/fleet.ts's objects: the desired snapshot, the live view's cache (informers), the verdicts of
// a full detection and the baselines it leaves. Each figure is the heap growth (after a full GC) divided by the
// objects, and the peak during a step is sampled every 5 ms.
// Usage: node --expose-gc --import tsx bench/service-memory.ts [--objects 10000] [--kubeconfig F]
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { pino } from "pino";
import { DirectorySource } from "../src/desired/directory.js";
import { MemoryBaselines } from "../src/detection/baselines.js";
import { detect } from "../src/detection/detect.js";
import { loadCluster } from "../src/kube/cluster.js";
import { Discovery } from "../src/kube/discovery.js";
import { LiveView } from "../src/kube/liveview.js";
import { applyFleet, fleet, writeDesired } from "./fleet.js";

const { values } = parseArgs({
  options: { objects: { type: "string", default: "10000" }, kubeconfig: { type: "string" } },
});
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error("run with node --expose-gc");
const n = Number(values.objects);
const kubeconfig = resolve(values.kubeconfig ?? process.env.DRIFT_BENCH_KUBECONFIG ?? ".sandbox/dev/kubeconfig");
const cluster = loadCluster({ kubeconfig });
const dir = mkdtempSync(join(tmpdir(), "bench-memory-"));
{
  const f = fleet(n, `bench-svc-${n}`);
  await applyFleet(cluster.client, f, (line) => console.error(line));
  writeDesired(f, dir);
}

const heap = () => {
  gc();
  return process.memoryUsage().heapUsed;
};
const figures: Record<string, unknown> = { objects: n };
/** Runs a step; records its heap growth per object and the peak above the start, in bytes and MB. */
async function step<T>(name: string, work: () => Promise<T>): Promise<T> {
  const before = heap();
  let peak = before;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().heapUsed);
  }, 5);
  const started = performance.now();
  const value = await work();
  clearInterval(sampler);
  const after = heap();
  figures[name] = {
    bytesPerObject: Math.round((after - before) / n),
    transientPeakMB: Math.round((Math.max(peak, after) - before) / 1048576),
    seconds: +((performance.now() - started) / 1000).toFixed(2),
  };
  return value;
}

const snapshot = await step("desired", () => new DirectorySource(dir).load());
const discovery = new Discovery(cluster.client);
const view = new LiveView({ client: cluster.client, discovery, logger: pino({ level: "warn" }), onChange: () => {} });
await step("liveCache", async () => {
  await view.setDesired(snapshot.objects);
  await view.whenSynced();
});
const baselines = new MemoryBaselines();
const results = await step("verdicts+baselines", () =>
  detect(snapshot, cluster, {
    mode: "client",
    discovery,
    baselines,
    live: {
      get: async (info, namespace, name) =>
        view.get({ apiVersion: info.apiVersion, kind: info.kind, namespace, name }) ?? undefined,
      list: async (_info, namespace) => view.hpas(namespace ?? "") ?? [],
    },
  }),
);
figures.inSync = results.filter((r) => r.status === "InSync").length;
figures.heapUsedMB = Math.round(heap() / 1048576);
figures.rssMB = Math.round(process.memoryUsage().rss / 1048576);
console.log(JSON.stringify(figures));
await view.stop();
await cluster.client.close();
rmSync(dir, { recursive: true, force: true });

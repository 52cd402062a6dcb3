// Pure engine throughput (no cluster): 10,000 desired/live pairs of mixed kinds, built from objects captured from the
// sandbox (test/unit/drift/fixtures) and varied (names, images, replicas; one in ten drifted by hand).
// Run: npx tsx bench/engine-pure.ts [count]   — figures go in the issue note, never into a test.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { type CompareInput, compareObject, type EngineOptions } from "../src/drift/engine.js";
import type { KubeObject } from "../src/drift/types.js";

const count = Number(process.argv[2] ?? 10_000);
const dir = join(import.meta.dirname, "../test/unit/drift/fixtures");
type Fx = { desired: KubeObject; live: KubeObject; serverApplied: KubeObject | null; serverDefaulted: KubeObject };
const fixtures: Fx[] = [];
for (const group of ["ssa", "created", "csa", "story"]) {
  for (const f of readdirSync(join(dir, group))) fixtures.push(JSON.parse(readFileSync(join(dir, group, f), "utf8")));
}

function vary(fx: Fx, i: number): Fx {
  const c = structuredClone(fx);
  for (const o of [c.desired, c.live, c.serverApplied, c.serverDefaulted])
    if (o) o.metadata.name = `${o.metadata.name}-${i}`;
  return c;
}

const inputs: Fx[] = Array.from({ length: count }, (_, i) => vary(fixtures[i % fixtures.length], i));
const asInput = (fx: Fx, server: boolean): CompareInput => ({
  desired: {
    ref: {
      apiVersion: fx.desired.apiVersion,
      kind: fx.desired.kind,
      namespace: fx.desired.metadata.namespace,
      name: fx.desired.metadata.name,
    },
    object: fx.desired,
    source: { type: "file", path: "bench.yaml" },
  },
  live: fx.live,
  serverApplied: server ? (fx.serverApplied ?? undefined) : undefined,
  serverDefaulted: server ? fx.serverDefaulted : undefined,
  context: { hpas: [] },
});

for (const mode of ["client", "server"] as const) {
  const options: EngineOptions = { mode };
  const prepared = inputs.map((fx) => asInput(fx, mode === "server"));
  for (let w = 0; w < 2; w++) for (const inp of prepared.slice(0, 2000)) compareObject(inp, options); // warm-up
  const times = new Float64Array(prepared.length);
  let drifted = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < prepared.length; i++) {
    const s = performance.now();
    if (compareObject(prepared[i], options).status !== "InSync") drifted++;
    times[i] = performance.now() - s;
  }
  const total = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  times.sort();
  const pct = (p: number) => times[Math.min(times.length - 1, Math.floor(times.length * p))] * 1000;
  console.log(
    `${mode}: ${count} objects in ${total.toFixed(0)} ms wall, ${cpuMs.toFixed(0)} ms CPU = ` +
      `${Math.round(count / (cpuMs / 1000))} objects/s per core; ` +
      `p50 ${pct(0.5).toFixed(1)} µs, p99 ${pct(0.99).toFixed(1)} µs; ${drifted} not in sync; ` +
      `rss ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB`,
  );
}

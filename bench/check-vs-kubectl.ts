// Whole process against whole process (issue 16): `drift-detector check` in both modes and
// `kubectl diff --server-side` on the same manifests, as a user types them. Run by `npm run bench:engine` (section
// 3) and on its own: `npx tsx bench/check-vs-kubectl.ts --kubeconfig K [--kubectl BIN] [--objects 1000] [--runs 5]`.
//
// Fair by construction: the objects (half ConfigMaps, half Deployments, as `confighub` applied them) are settled
// first (every Deployment's status written, so nothing changes under a run); both tools run once untimed (kubectl
// fills its discovery cache, the command its compile cache); then the runs alternate, so a noisy moment costs each
// tool alike, and medians are compared. `server cold` starts each run without the dry-run results of earlier
// runs; `server` keeps them, as a user's second check does. `bin/drift-detector.js` runs the build (`npm run
// build` first when the sources changed, or it runs them through tsx).
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";

export interface WholeProcessOptions {
  kubeconfig: string;
  kubectl: string;
  objects: number;
  runs: number;
  log?: (line: string) => void;
}

export interface WholeProcessReport {
  objects: number;
  runs: number;
  /** Median seconds per tool. */
  seconds: Record<Tool, number>;
  /** kubectl diff's median over each drift-detector mode's median. */
  ratio: Record<Exclude<Tool, "kubectl diff">, number>;
}

type Tool = "kubectl diff" | "server cold" | "server" | "client";

const ROOT = resolve(import.meta.dirname, "..");

function manifests(n: number, ns: string): string {
  const docs: string[] = [];
  for (let i = 0; i < n; i++) {
    docs.push(
      i % 2
        ? `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c${i}, namespace: ${ns}}\ndata: {N: "${i}"}\n`
        : `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d${i}, namespace: ${ns}}\nspec:\n  replicas: 0\n` +
            `  selector: {matchLabels: {app: d${i}}}\n  template:\n    metadata: {labels: {app: d${i}}}\n` +
            `    spec: {containers: [{name: c, image: "nginx:1.27"}]}\n`,
    );
  }
  return docs.join("---\n");
}

export async function wholeProcesses(opts: WholeProcessOptions): Promise<WholeProcessReport> {
  const log = opts.log ?? (() => {});
  const dir = mkdtempSync(join(tmpdir(), "check-vs-kubectl-"));
  const ns = `cvk-${process.pid}`;
  const kubectl = (...args: string[]) =>
    spawnSync(opts.kubectl, ["--kubeconfig", opts.kubeconfig, ...args], { encoding: "utf8", maxBuffer: 256 << 20 });
  const source = join(dir, "source");
  const file = join(source, "objects.yaml");
  const cacheDir = join(dir, "cache");
  try {
    spawnSync("mkdir", ["-p", source]);
    writeFileSync(file, manifests(opts.objects, ns));
    kubectl("create", "namespace", ns);
    const applied = kubectl("apply", "--server-side", "--field-manager=confighub", "-f", file);
    if (applied.status !== 0) throw new Error(`kubectl apply failed: ${applied.stderr.trim()}`);
    await settle(kubectl, ns, opts.objects / 2, log);

    const check = (mode: string) => () =>
      spawnSync(
        process.execPath,
        [
          join(ROOT, "bin/drift-detector.js"),
          "check",
          "--source",
          source,
          "--kubeconfig",
          opts.kubeconfig,
          "--mode",
          mode,
        ],
        { env: { ...process.env, DRIFT_DETECTOR_CACHE: cacheDir }, encoding: "utf8", maxBuffer: 256 << 20 },
      );
    const tools: Record<Tool, () => ReturnType<typeof spawnSync>> = {
      "kubectl diff": () => kubectl("diff", "--server-side", "--field-manager=confighub", "-f", file),
      "server cold": () => {
        rmSync(join(cacheDir, "dryrun"), { recursive: true, force: true });
        return check("server")();
      },
      server: check("server"),
      client: check("client"),
    };
    const times: Record<Tool, number[]> = { "kubectl diff": [], "server cold": [], server: [], client: [] };
    const names = Object.keys(tools) as Tool[];
    for (const name of names) expectInSync(name, tools[name]!());
    for (let run = 0; run < opts.runs; run++) {
      // Rotated order: each tool runs first, second, … in turn.
      for (let k = 0; k < names.length; k++) {
        const name = names[(run + k) % names.length]!;
        const t = performance.now();
        const result = tools[name]!();
        times[name].push((performance.now() - t) / 1000);
        expectInSync(name, result);
      }
      log(`  run ${run + 1}/${opts.runs}: ${names.map((n) => `${n} ${times[n].at(-1)!.toFixed(2)}s`).join(", ")}`);
    }
    const seconds = Object.fromEntries(names.map((n) => [n, round(median(times[n]))])) as Record<Tool, number>;
    const ratio = {
      "server cold": round(median(times["kubectl diff"]) / median(times["server cold"]), 1),
      server: round(median(times["kubectl diff"]) / median(times.server), 1),
      client: round(median(times["kubectl diff"]) / median(times.client), 1),
    };
    return { objects: opts.objects, runs: opts.runs, seconds, ratio };
  } finally {
    kubectl("delete", "namespace", ns, "--wait=false");
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Both tools must find nothing to report: a run that failed or saw drift measured something else. */
function expectInSync(tool: string, result: ReturnType<typeof spawnSync>): void {
  if (result.status !== 0) {
    const why = String(result.stderr || result.stdout)
      .trim()
      .split("\n")
      .slice(-3)
      .join(" | ");
    throw new Error(`${tool} exited ${result.status}: ${why}`);
  }
}

/** Waits until every Deployment's controller has written its status (nothing changes under the runs). */
async function settle(
  kubectl: (...args: string[]) => ReturnType<typeof spawnSync>,
  ns: string,
  deployments: number,
  log: (line: string) => void,
): Promise<void> {
  for (let i = 0; i < 300; i++) {
    const out = kubectl(
      "get",
      "deployments",
      "-n",
      ns,
      "-o",
      'jsonpath={range .items[*]}{.status.observedGeneration}{"\\n"}{end}',
    );
    const observed = String(out.stdout)
      .split("\n")
      .filter((l) => l.trim() !== "").length;
    if (observed >= deployments) {
      await sleep(2000);
      return;
    }
    if (i % 10 === 0) log(`  settling: ${observed}/${deployments} Deployments observed`);
    await sleep(1000);
  }
  throw new Error(`the Deployments of ${ns} did not settle in 5 minutes`);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function round(value: number, digits = 2): number {
  return Number(value.toFixed(digits));
}

if (import.meta.main) {
  const { values } = parseArgs({
    options: {
      kubeconfig: { type: "string" },
      kubectl: { type: "string" },
      objects: { type: "string", default: "1000" },
      runs: { type: "string", default: "5" },
    },
  });
  const kubeconfig = resolve(values.kubeconfig ?? process.env.DRIFT_BENCH_KUBECONFIG ?? ".sandbox/dev/kubeconfig");
  const report = await wholeProcesses({
    kubeconfig,
    kubectl: values.kubectl ?? join(kubeconfig, "..", "bin", "kubectl"),
    objects: Number(values.objects),
    runs: Number(values.runs),
    log: (line) => process.stderr.write(`${line}\n`),
  });
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
}

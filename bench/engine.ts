// Benchmark of the drift engine and the detection path (issue 3, "Performance"). Run: `npm run bench:engine`
// [-- --kubeconfig F] [--objects 10000] [--real 400] [--whole 1000] [--runs 3]. Without --kubeconfig it uses
// .sandbox/dev when it runs, else starts a sandbox in a temp folder.
//
// 1. Applies `--real` realistic objects of mixed kinds to a fresh namespace (server-side apply as `confighub`),
//    changes every fifth by hand (a `kubectl-edit` label), captures live objects and both server dry-run views.
// 2. Detection end to end against the cluster: server mode cold and warm (requests counted), client mode.
// 3. `kubectl diff --server-side` against `check` in both modes, whole processes on `--whole` objects (1000), `--runs`
//    alternating runs (3): bench/check-vs-kubectl.ts.
// 4. `--objects` generated desired/live pairs (the captured ones, renamed and varied): engine throughput per mode on
//    one core, p50/p99 per object; then detect() over all of them with a warm dry-run cache and a memory live view
//    (what the service's watch cache gives), which must cost 0 API requests.
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { detect, serverCacheKeys } from "../src/detection/detect.js";
import type { LiveReader } from "../src/detection/live.js";
import { compareObject } from "../src/drift/engine.js";
import type { ComparisonMode, DesiredObject, KubeObject } from "../src/drift/types.js";
import { type Cluster, loadCluster } from "../src/kube/cluster.js";
import { Discovery } from "../src/kube/discovery.js";
import { DryRunCache } from "../src/kube/dryrun-cache.js";
import { applyObject, deleteObject, dryRunCreate, getObject } from "../src/kube/objects.js";
import { mapLimit } from "../src/lib/concurrency.js";
import { wholeProcesses } from "./check-vs-kubectl.js";
import { percentile } from "./percentile.js";

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i]!.replace(/^--/, ""), process.argv[i + 1]!);
const N_OBJECTS = Number(args.get("objects") ?? 10_000);
const N_REAL = Number(args.get("real") ?? 400);
const N_WHOLE = Number(args.get("whole") ?? 1000);
const WHOLE_RUNS = Number(args.get("runs") ?? 3);
const ROOT = resolve(import.meta.dirname, "..");

const log = (s: string) => process.stdout.write(`${s}\n`);

/** Realistic desired objects of mixed kinds; `i` varies names and values. */
function template(i: number, ns: string): KubeObject {
  const n = `o${i}`;
  const app = { app: n, tier: i % 2 ? "backend" : "frontend" };
  const meta = { name: n, namespace: ns, labels: app };
  const container = {
    name: "main",
    image: `ghcr.io/confighubai/cubbychat/backend:1.${i % 7}.${i % 3}`,
    ports: [{ containerPort: 8080 }],
    env: [
      { name: "DATABASE_URL", value: `postgres://chat@postgres:5432/chat${i}` },
      { name: "LOG_LEVEL", value: "info" },
    ],
    resources: { requests: { cpu: "0.5", memory: "256Mi" }, limits: { cpu: "1000m", memory: "1024Mi" } },
    readinessProbe: { httpGet: { path: "/healthz", port: 8080 } },
  };
  const podTemplate = { metadata: { labels: app }, spec: { containers: [container] } };
  switch (i % 10) {
    case 0:
      return {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: meta,
        spec: { replicas: 2, selector: { matchLabels: app }, template: podTemplate },
      };
    case 1:
      return {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: meta,
        data: { LOG_LEVEL: "info", INDEX: String(i), FEATURE: "on" },
      };
    case 2:
      return {
        apiVersion: "v1",
        kind: "Service",
        metadata: meta,
        spec: { selector: app, ports: [{ name: "http", port: 80, targetPort: 8080 }] },
      };
    case 3:
      return {
        apiVersion: "v1",
        kind: "Secret",
        metadata: meta,
        type: "Opaque",
        stringData: { PASSWORD: `s3cret-${i}` },
      };
    case 4:
      return {
        apiVersion: "apps/v1",
        kind: "StatefulSet",
        metadata: meta,
        spec: {
          serviceName: n,
          replicas: 1,
          selector: { matchLabels: app },
          template: podTemplate,
          volumeClaimTemplates: [
            {
              metadata: { name: "data" },
              spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } },
            },
          ],
        },
      };
    case 5:
      return {
        apiVersion: "batch/v1",
        kind: "CronJob",
        metadata: meta,
        spec: {
          schedule: `${i % 60} 3 * * *`,
          jobTemplate: {
            spec: {
              template: {
                spec: {
                  restartPolicy: "OnFailure",
                  containers: [{ name: "job", image: "postgres:16", command: ["vacuumdb", "--all"] }],
                },
              },
            },
          },
        },
      };
    case 6:
      return {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "Role",
        metadata: meta,
        rules: [{ apiGroups: [""], resources: ["configmaps", "secrets"], verbs: ["get", "list", "watch"] }],
      };
    case 7:
      return { apiVersion: "v1", kind: "ServiceAccount", metadata: meta };
    case 8:
      return {
        apiVersion: "networking.k8s.io/v1",
        kind: "NetworkPolicy",
        metadata: meta,
        spec: {
          podSelector: { matchLabels: app },
          ingress: [{ from: [{ podSelector: { matchLabels: { tier: "frontend" } } }], ports: [{ port: 8080 }] }],
        },
      };
    default:
      return {
        apiVersion: "policy/v1",
        kind: "PodDisruptionBudget",
        metadata: meta,
        spec: { minAvailable: 1, selector: { matchLabels: app } },
      };
  }
}

interface Pair {
  desired: DesiredObject;
  live: KubeObject;
  serverApplied?: KubeObject;
  serverDefaulted?: KubeObject;
}

const memory: Record<string, number> = {};
/** Live heap after a full GC when --expose-gc is on, else as it stands. */
function heapMB(): number {
  (globalThis as { gc?: () => void }).gc?.();
  return Math.round(process.memoryUsage().heapUsed / 1048576);
}

function engineRun(pairs: Pair[], mode: ComparisonMode) {
  const times = new Array<number>(pairs.length);
  let drifted = 0;
  const cpu = process.cpuUsage();
  const start = performance.now();
  for (let i = 0; i < pairs.length; i++) {
    const p = pairs[i]!;
    const t = performance.now();
    const r = compareObject(
      {
        desired: p.desired,
        live: p.live,
        serverApplied: mode === "server" ? p.serverApplied : undefined,
        serverDefaulted: mode === "server" ? p.serverDefaulted : undefined,
        context: { hpas: [] },
      },
      { mode },
    );
    times[i] = performance.now() - t;
    if (r.status === "Drifted") drifted++;
  }
  const total = performance.now() - start;
  const cpuUsed = process.cpuUsage(cpu);
  const cpuSeconds = (cpuUsed.user + cpuUsed.system) / 1e6;
  const byKind: Record<string, string> = {};
  const kinds = new Map<string, number[]>();
  pairs.forEach((p, i) => {
    const list = kinds.get(p.desired.ref.kind) ?? [];
    list.push(times[i]!);
    kinds.set(p.desired.ref.kind, list);
  });
  for (const [kind, list] of kinds) {
    byKind[kind] = `p50 ${Math.round(percentile(list, 50) * 1000)}us p99 ${Math.round(percentile(list, 99) * 1000)}us`;
  }
  return {
    objectsPerSecond: Math.round(pairs.length / (total / 1000)),
    // Wall time suffers when other processes share the CPU; CPU time is what one core spends.
    objectsPerCpuSecond: Math.round(pairs.length / cpuSeconds),
    p50us: Math.round(percentile(times, 50) * 1000),
    p99us: Math.round(percentile(times, 99) * 1000),
    drifted,
    byKind,
  };
}

function rename<T extends KubeObject | undefined>(o: T, name: string, j: number): T {
  if (!o) return o;
  const copy = structuredClone(o) as KubeObject;
  copy.metadata.name = name;
  copy.metadata.resourceVersion = `${copy.metadata.resourceVersion ?? "1"}${j}`;
  return copy as T;
}

async function main() {
  let kubeconfig = args.get("kubeconfig");
  let sandboxDir: string | undefined;
  let kubectl = "kubectl";
  if (!kubeconfig && existsSync(join(ROOT, ".sandbox/dev/kubeconfig")))
    kubeconfig = join(ROOT, ".sandbox/dev/kubeconfig");
  if (!kubeconfig) {
    const { start } = await import("../src/sandbox/controlplane.js");
    sandboxDir = await mkdtemp(join(tmpdir(), "drift-bench-"));
    const s = await start(sandboxDir, { log: (l) => process.stderr.write(`${l}\n`) });
    kubeconfig = s.kubeconfig;
    kubectl = s.kubectl;
  } else if (existsSync(join(kubeconfig, "..", "bin", "kubectl"))) {
    kubectl = join(kubeconfig, "..", "bin", "kubectl");
  }
  const cluster = loadCluster({ kubeconfig });
  const ns = `bench-${randomBytes(3).toString("hex")}`;
  await cluster.client.request({
    method: "POST",
    path: "/api/v1/namespaces",
    body: { apiVersion: "v1", kind: "Namespace", metadata: { name: ns } },
  });
  try {
    await run(cluster, ns, kubeconfig, kubectl);
  } finally {
    const discovery = new Discovery(cluster.client);
    await deleteObject(cluster.client, await discovery.resolve("v1", "Namespace"), undefined, ns).catch(() => {});
    await cluster.client.close();
    if (sandboxDir) {
      const { stop } = await import("../src/sandbox/controlplane.js");
      await stop(sandboxDir);
      await rm(sandboxDir, { recursive: true, force: true });
    }
  }
}

async function run(cluster: Cluster, ns: string, kubeconfig: string, kubectl: string) {
  const discovery = new Discovery(cluster.client);
  const desired: DesiredObject[] = Array.from({ length: N_REAL }, (_, i) => {
    const object = template(i, ns);
    return {
      ref: { apiVersion: object.apiVersion, kind: object.kind, namespace: ns, name: object.metadata.name },
      object,
      source: { type: "file", path: `bench/${object.kind}.yaml`, document: i + 1 },
    };
  });

  // 1. Put them in place, drift every fifth by hand, capture.
  log(`applying ${N_REAL} objects of 10 kinds to namespace ${ns} …`);
  await mapLimit(desired, 16, async (d) => {
    const info = await discovery.resolve(d.ref.apiVersion, d.ref.kind);
    await applyObject(cluster.client, info, d.object, { fieldManager: "confighub", force: true });
  });
  await mapLimit(
    desired.filter((_, i) => i % 5 === 4),
    16,
    async (d) => {
      const info = await discovery.resolve(d.ref.apiVersion, d.ref.kind);
      await cluster.client.request({
        method: "PATCH",
        path: `${(await import("../src/kube/discovery.js")).resourcePath(info, ns, d.ref.name)}`,
        query: { fieldManager: "kubectl-edit" },
        body: { metadata: { labels: { "edited-by-hand": "true" } } },
        contentType: "application/merge-patch+json",
      });
    },
  );
  const pairs: Pair[] = await mapLimit(desired, 16, async (d) => {
    const info = await discovery.resolve(d.ref.apiVersion, d.ref.kind);
    const live = (await getObject(cluster.client, info, ns, d.ref.name))!;
    const serverApplied = await applyObject(cluster.client, info, d.object, {
      fieldManager: "drift-detector",
      force: true,
      dryRun: true,
    });
    const serverDefaulted = await dryRunCreate(cluster.client, info, d.object, "drift-detector").catch(() => undefined);
    return { desired: d, live, serverApplied, serverDefaulted };
  });

  // 2. Detection end to end.
  const snapshot = { objects: desired, errors: [], version: "bench" };
  const requests = () => ({ ...cluster.client.stats.byMethod, total: cluster.client.stats.requests });
  const delta = (a: Record<string, number>, b: Record<string, number>) =>
    Object.fromEntries(Object.keys(b).map((k) => [k, (b[k] ?? 0) - (a[k] ?? 0)]));
  const cache = new DryRunCache<KubeObject | null>();
  const e2e: Record<string, unknown> = {};
  for (const [label, mode, c] of [
    ["server, cold cache", "server", cache],
    ["server, warm cache (unchanged)", "server", cache],
    ["client", "client", undefined],
  ] as const) {
    const before = requests();
    const t = performance.now();
    const results = await detect(snapshot, cluster, { mode, cache: c, discovery });
    const ms = performance.now() - t;
    e2e[label] = {
      ms: Math.round(ms),
      objectsPerSecond: Math.round(N_REAL / (ms / 1000)),
      drifted: results.filter((r) => r.status === "Drifted").length,
      errors: results.filter((r) => r.status === "Error").length,
      requests: delta(before, requests()),
    };
  }
  const liveByName = new Map(pairs.map((p) => [`${p.desired.ref.kind}/${p.desired.ref.name}`, p.live]));
  const memoryLive: LiveReader = {
    get: async (info, _ns, name) => liveByName.get(`${info.kind}/${name}`),
    list: async () => [],
  };
  {
    const before = requests();
    const t = performance.now();
    await detect(snapshot, cluster, { mode: "server", cache, discovery, live: memoryLive });
    const ms = performance.now() - t;
    e2e["server, warm cache + watch-cache live view"] = { ms: Math.round(ms), requests: delta(before, requests()) };
  }

  // 3. Whole processes, as a user types them: `kubectl diff --server-side` against `check` in both modes.
  log(`whole processes: kubectl diff and check on ${N_WHOLE} objects, ${WHOLE_RUNS} alternating runs …`);
  const kubectlDiff = await wholeProcesses({ kubeconfig, kubectl, objects: N_WHOLE, runs: WHOLE_RUNS, log });

  // 4. The engine on N_OBJECTS generated pairs, then detect() over all of them with warm caches.
  const generated: Pair[] = Array.from({ length: N_OBJECTS }, (_, j) => {
    const base = pairs[j % pairs.length]!;
    const name = `${base.desired.ref.name}-g${j}`;
    const object = rename(base.desired.object, name, j);
    const live = rename(base.live, name, j);
    // Vary content on both sides (same value: not drift), so no two objects are alike.
    const serverApplied = rename(base.serverApplied, name, j);
    if (object.kind === "ConfigMap") {
      for (const o of [object, live, serverApplied]) if (o) (o.data as Record<string, string>).INDEX = String(j);
    }
    return {
      desired: { ...base.desired, ref: { ...base.desired.ref, name }, object },
      live,
      serverApplied,
      serverDefaulted: rename(base.serverDefaulted, name, j),
    };
  });
  memory.afterGeneration = heapMB();
  const warm = generated.slice(0, 1000);
  engineRun(warm, "client");
  engineRun(warm, "server");
  const engine = { client: engineRun(generated, "client"), server: engineRun(generated, "server") };
  memory.afterEngine = heapMB();

  const genCache = new DryRunCache<KubeObject | null>();
  const genLive = new Map<string, KubeObject>();
  for (const p of generated) {
    const keys = serverCacheKeys(p.desired, p.live);
    genCache.set(keys.applied, p.serverApplied ?? null);
    genCache.set(keys.defaulted, p.serverDefaulted ?? null);
    genLive.set(`${p.desired.ref.kind}/${p.desired.ref.name}`, p.live);
  }
  const genReader: LiveReader = {
    get: async (info, _ns, name) => genLive.get(`${info.kind}/${name}`),
    list: async () => [],
  };
  const before = requests();
  const t = performance.now();
  const genResults = await detect({ objects: generated.map((p) => p.desired), errors: [], version: "g" }, cluster, {
    mode: "server",
    cache: genCache,
    discovery,
    live: genReader,
  });
  const genMs = performance.now() - t;
  memory.afterDetect10k = heapMB();
  const pipeline = {
    objects: N_OBJECTS,
    ms: Math.round(genMs),
    objectsPerSecond: Math.round(N_OBJECTS / (genMs / 1000)),
    requests: delta(before, requests()),
    drifted: genResults.filter((r) => r.status === "Drifted").length,
    errors: genResults.filter((r) => r.status === "Error").length,
  };

  const report = {
    node: process.version,
    realObjects: N_REAL,
    generatedObjects: N_OBJECTS,
    engine,
    endToEnd: e2e,
    detectWarm10k: pipeline,
    kubectlDiff,
    peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
    heapUsedMB: memory,
  };
  log(JSON.stringify(report, null, 2));
}

await main();

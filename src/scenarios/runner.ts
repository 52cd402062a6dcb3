// Runs scenario files against a real cluster: fresh namespace per scenario and mode, desired applied the way the
// scenario says, steps run with the real kubectl, then the same detection as `check`, matched against `expect`.

import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseManifests } from "../desired/directory.js";
import type { DesiredSnapshot } from "../desired/source.js";
import { MemoryBaselines } from "../detection/baselines.js";
import { detect } from "../detection/detect.js";
import { summarize } from "../drift/engine.js";
import { renderReport } from "../drift/render.js";
import type { ComparisonMode, DesiredObject } from "../drift/types.js";
import type { Cluster } from "../kube/cluster.js";
import { awaitCrds, CRD_INFO } from "../kube/crd-readiness.js";
import { Discovery, type ResourceInfo } from "../kube/discovery.js";
import { deleteObject, getObject } from "../kube/objects.js";
import { errorMessage } from "../lib/errors.js";
import { type BrokenScenario, isBroken, type Scenario } from "./format.js";
import { type ConflictRetry, type KubectlRun, runKubectl, runKubectlRetryingConflicts, splitWords } from "./kubectl.js";
import { KeyedLocks } from "./locks.js";
import { matchExpectations } from "./match.js";

export interface RunnerOptions {
  cluster: Cluster;
  kubeconfig: string;
  kubectl: string;
  modes: ComparisonMode[];
  /** Scenario runs at once. */
  parallel?: number;
  /** Called with each PASS/FAIL line, in scenario order. */
  print?: (line: string) => void;
  /** Leave the namespaces in place (debugging). */
  keepNamespaces?: boolean;
  /** How often a step that loses a race with a controller (Conflict) is tried (default STEP_RETRY). */
  stepRetry?: ConflictRetry;
  /** Called with the state each verdict was taken on, before the cleanup; its problems fail the run. */
  crossCheck?: (state: VerdictState) => Promise<string[]>;
}

export interface VerdictState {
  cluster: Cluster;
  scenario: string;
  mode: ComparisonMode;
  namespace: string;
  snapshot: DesiredSnapshot;
  /** The baselines as they were before the verdict: a copy, free to detect with again. */
  baselines: MemoryBaselines;
}

export interface ScenarioOutcome {
  name: string;
  mode: ComparisonMode;
  passed: boolean;
  problems: string[];
}

export interface RunSummary {
  outcomes: ScenarioOutcome[];
  passed: number;
  failed: number;
}

const NAMESPACE_INFO: ResourceInfo = {
  group: "",
  version: "v1",
  apiVersion: "v1",
  kind: "Namespace",
  plural: "namespaces",
  namespaced: false,
  verbs: [],
};

export async function runScenarios(
  scenarios: Array<Scenario | BrokenScenario>,
  opts: RunnerOptions,
): Promise<RunSummary> {
  const runs: Array<{ scenario: Scenario | BrokenScenario; mode: ComparisonMode }> = [];
  for (const scenario of scenarios) {
    const modes = isBroken(scenario) ? opts.modes : opts.modes.filter((m) => scenario.modes.includes(m));
    for (const mode of modes) runs.push({ scenario, mode });
  }
  const locks = new KeyedLocks();
  const discovery = new Discovery(opts.cluster.client, { refreshMissAfterMs: 0 });
  const crds = new Set<string>();
  const outcomes = new Array<ScenarioOutcome | undefined>(runs.length);
  let printed = 0;
  const flush = () => {
    while (printed < runs.length && outcomes[printed]) {
      const o = outcomes[printed++]!;
      opts.print?.(o.passed ? `PASS ${o.name} [${o.mode}]` : `FAIL ${o.name} [${o.mode}]: ${o.problems.join("; ")}`);
    }
  };

  let next = 0;
  const worker = async () => {
    while (next < runs.length) {
      const i = next++;
      const { scenario, mode } = runs[i]!;
      let problems: string[];
      if (isBroken(scenario)) problems = [`broken scenario file ${scenario.file}: ${scenario.error}`];
      else {
        try {
          problems = await runOne(scenario, mode, opts, { locks, discovery, crds });
        } catch (err) {
          problems = [errorMessage(err)];
        }
      }
      outcomes[i] = { name: scenario.name, mode, passed: problems.length === 0, problems };
      flush();
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, Math.min(opts.parallel ?? 4, runs.length)) }, worker));
  } finally {
    // CRDs are shared by both modes of a scenario: removed once everything ran.
    if (!opts.keepNamespaces) {
      for (const name of crds) await deleteObject(opts.cluster.client, CRD_INFO, undefined, name).catch(() => {});
    }
  }
  const all = outcomes as ScenarioOutcome[];
  const passed = all.filter((o) => o.passed).length;
  return { outcomes: all, passed, failed: all.length - passed };
}

interface Shared {
  locks: KeyedLocks;
  discovery: Discovery;
  crds: Set<string>;
}

async function runOne(s: Scenario, mode: ComparisonMode, opts: RunnerOptions, shared: Shared): Promise<string[]> {
  const parsed = parseManifests(s.desired, s.file);
  if (parsed.errors.length > 0) return parsed.errors.map((e) => `desired: ${e.error.replace(`${s.file} `, "")}`);
  const desired = parsed.objects;
  const crds = desired.filter(isCrd);
  const others = desired.filter((d) => !isCrd(d));
  const clusterScoped = await clusterScopedObjects(others, crds, shared.discovery);
  const nodePorts = fixedNodePorts(others);
  // Cluster-wide allocations: objects outside the namespace, CRD names, fixed node ports. Runs sharing one take turns.
  const lockKeys = [
    ...clusterScoped.map((d) => `${d.ref.apiVersion}/${d.ref.kind}/${d.ref.name}`),
    ...crds.map((d) => `crd/${d.ref.name}`),
    ...nodePorts.map((p) => `nodePort/${p.port}`),
  ];

  return shared.locks.with(lockKeys, async () => {
    const namespace = `${s.name.slice(0, 48)}-${mode === "server" ? "s" : "c"}-${randomBytes(3).toString("hex")}`;
    const cacheDir = await mkdtemp(join(tmpdir(), "dd-kubectl-"));
    const kubectlOptions = (extra: { stdin?: string; env?: Record<string, string> }) => ({
      kubectl: opts.kubectl,
      kubeconfig: opts.kubeconfig,
      namespace,
      ...extra,
    });
    const kubectl = (args: string[], extra: { stdin?: string; env?: Record<string, string> } = {}) =>
      runKubectl([...args, `--cache-dir=${cacheDir}`], kubectlOptions(extra));
    const applyArgs =
      s.appliedBy === "client-side"
        ? ["apply", "-f", "-"]
        : ["apply", "--server-side", `--field-manager=${s.appliedBy}`, "--force-conflicts", "-f", "-"];
    await opts.cluster.client.request({
      method: "POST",
      path: "/api/v1/namespaces",
      body: {
        apiVersion: "v1",
        kind: "Namespace",
        metadata: { name: namespace, labels: { "drift-detector.io/scenario": s.name } },
      },
    });
    try {
      if (crds.length > 0) {
        const r = await kubectl(applyArgs, { stdin: toYaml(crds) });
        if (r.code !== 0) return [`applying the CustomResourceDefinitions failed: ${firstLine(r.stderr)}`];
        for (const crd of crds) shared.crds.add(crd.ref.name);
        const unready = await awaitCrds(
          opts.cluster.client,
          shared.discovery,
          crds.map((c) => c.object),
          { timeoutMs: 30_000 },
        );
        if (unready.size > 0) return [...unready.values()];
      }
      if (others.length > 0) {
        const r = await kubectl(applyArgs, { stdin: toYaml(others) });
        if (r.code !== 0) return [`applying desired failed: ${firstLine(r.stderr)}`];
      }
      // Observed once as delivered, as the service would have: its baseline of unowned values is what the hand
      // changes below are compared with (a write the cluster records no owner for).
      const baselines = new MemoryBaselines();
      const snapshot = { objects: desired, errors: [], version: "" };
      await detect(snapshot, opts.cluster, { mode, namespace, baselines });
      const check = async (before: MemoryBaselines) =>
        (await opts.crossCheck?.({
          cluster: opts.cluster,
          scenario: s.name,
          mode,
          namespace,
          snapshot,
          baselines: before,
        })) ?? [];
      const crossProblems = await check(new MemoryBaselines());
      if (crossProblems.length > 0) return crossProblems.map((p) => `as delivered: ${p}`);
      for (const [i, step] of s.steps.entries()) {
        if (step.kubectl) {
          let args: string[];
          try {
            args = splitWords(step.kubectl);
          } catch (err) {
            return [`step ${i + 1}: ${errorMessage(err)}`];
          }
          if (args[0] === "kubectl") args.shift();
          const r = await runKubectlRetryingConflicts(
            [...args, `--cache-dir=${cacheDir}`],
            kubectlOptions({ stdin: step.stdin, env: step.env }),
            opts.stepRetry,
          );
          if (r.code !== 0) return [`step ${i + 1} (kubectl ${step.kubectl}) failed: ${stepFailure(r)}`];
        }
        if (step.sleep) await new Promise((r) => setTimeout(r, step.sleep! * 1000));
      }

      const before = baselines.copy();
      const results = await detect(snapshot, opts.cluster, { mode, namespace, baselines });
      const report = summarize(results, mode);
      const output = `${JSON.stringify(report)}\n${renderReport(report, { color: false })}`;
      return [...matchExpectations(s.expect, results, output), ...(await check(before))];
    } finally {
      await rm(cacheDir, { recursive: true, force: true });
      if (!opts.keepNamespaces) {
        // The lock is released only once what others may allocate next is really gone: the namespace's deletion
        // runs on in the background, but its fixed node ports and the cluster-scoped objects are freed now.
        await deleteObject(opts.cluster.client, NAMESPACE_INFO, undefined, namespace).catch(() => {});
        const freed = [
          ...nodePorts.map((p) => ({ ref: p.service.ref, namespace })),
          ...clusterScoped.map((d) => ({ ref: d.ref, namespace: undefined })),
        ];
        for (const { ref, namespace: ns } of freed) {
          const info = await shared.discovery.resolve(ref.apiVersion, ref.kind).catch(() => undefined);
          if (info) await deleteAndWait(opts.cluster, info, ns, ref.name);
        }
      }
    }
  });
}

/** Services that ask for a fixed node port: the port is allocated cluster-wide, whatever the namespace. */
function fixedNodePorts(objects: DesiredObject[]): Array<{ service: DesiredObject; port: number }> {
  const out: Array<{ service: DesiredObject; port: number }> = [];
  for (const d of objects) {
    if (d.ref.kind !== "Service" || d.ref.apiVersion !== "v1") continue;
    const ports = (d.object.spec as { ports?: Array<{ nodePort?: unknown }> } | undefined)?.ports ?? [];
    for (const p of ports) if (typeof p.nodePort === "number") out.push({ service: d, port: p.nodePort });
  }
  return out;
}

async function deleteAndWait(cluster: Cluster, info: ResourceInfo, namespace: string | undefined, name: string) {
  await deleteObject(cluster.client, info, namespace, name).catch(() => {});
  for (let i = 0; i < 300; i++) {
    const left = await getObject(cluster.client, info, namespace, name).catch(() => undefined);
    if (left === undefined) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}

function isCrd(d: DesiredObject): boolean {
  return d.ref.kind === "CustomResourceDefinition" && d.ref.apiVersion.startsWith("apiextensions.k8s.io/");
}

/** Desired objects that live outside the namespace (ClusterRoles, …): those need a lock and explicit cleanup. */
async function clusterScopedObjects(
  objects: DesiredObject[],
  crds: DesiredObject[],
  discovery: Discovery,
): Promise<DesiredObject[]> {
  const out: DesiredObject[] = [];
  for (const d of objects) {
    const fromCrd = crds.find((c) => {
      const spec = c.object.spec as { group?: string; names?: { kind?: string } } | undefined;
      return spec?.names?.kind === d.ref.kind && d.ref.apiVersion.startsWith(`${spec.group}/`);
    });
    if (fromCrd) {
      if ((fromCrd.object.spec as { scope?: string }).scope === "Cluster") out.push(d);
      continue;
    }
    const info = await discovery.resolve(d.ref.apiVersion, d.ref.kind).catch(() => undefined);
    if (info && !info.namespaced) out.push(d);
  }
  return out;
}

// JSON documents in a YAML stream: kubectl reads exactly the values we compare (no YAML 1.1/1.2 surprises).
function toYaml(objects: DesiredObject[]): string {
  return objects.map((d) => JSON.stringify(d.object)).join("\n---\n");
}

function stepFailure(r: KubectlRun & { attempts: number }): string {
  const message = firstLine(r.stderr || r.stdout);
  return r.attempts > 1 ? `${message} (on each of ${r.attempts} attempts)` : message;
}

function firstLine(s: string): string {
  return (
    s
      .trim()
      .split("\n")
      .find((l) => l.trim()) ?? "(no output)"
  );
}

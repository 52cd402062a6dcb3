// The real-manifest corpus as a matrix: every set (a folder here: public manifests, SOURCE.yaml, changes.yaml) applied
// each of three ways, then checked in both modes while in sync, after each hand change, and after undoing it.
// A false drift is a change reported where none was made; a miss is a hand change not reported at its path.
// Sets run in parallel, each in its own namespace; a set's three apply styles take turns because cluster-scoped
// objects (ClusterRoles, StorageClasses, webhooks) keep their names.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { parseManifests } from "../../src/desired/directory.js";
import { detect } from "../../src/detection/detect.js";
import type { ComparisonMode, DesiredObject, ResourceResult } from "../../src/drift/types.js";
import type { Cluster } from "../../src/kube/cluster.js";
import { awaitCrds } from "../../src/kube/crd-readiness.js";
import { Discovery } from "../../src/kube/discovery.js";
import { deleteObject, getObject } from "../../src/kube/objects.js";
import { runKubectl, splitWords } from "../../src/scenarios/kubectl.js";

export const CORPUS_DIR = import.meta.dirname;
export const STYLES = ["server-side", "client-side", "create"] as const;
export const MODES: ComparisonMode[] = ["server", "client"];
export type Style = (typeof STYLES)[number];

interface HandChange {
  name: string;
  do: string;
  undo: string;
  expect: { ref: string; path: string };
}

export interface CorpusSet {
  name: string;
  objects: DesiredObject[];
  changes: HandChange[];
}

/** One cell of the matrix: a set applied one way, checked in one mode. */
export interface Cell {
  set: string;
  style: Style;
  mode: ComparisonMode;
  checks: number;
  falseDrifts: string[];
  misses: string[];
}

export function loadCorpus(dir = CORPUS_DIR): CorpusSet[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => {
      const folder = join(dir, e.name);
      const objects: DesiredObject[] = [];
      for (const file of readdirSync(folder).sort()) {
        if (!file.endsWith(".yaml") || file === "SOURCE.yaml" || file === "changes.yaml") continue;
        const parsed = parseManifests(readFileSync(join(folder, file), "utf8"), join(e.name, file));
        if (parsed.errors.length > 0) throw new Error(parsed.errors[0]!.error);
        objects.push(...parsed.objects.filter((o) => o.ref.kind !== "Namespace"));
      }
      const changes = parse(readFileSync(join(folder, "changes.yaml"), "utf8")) as HandChange[];
      return { name: e.name, objects, changes };
    });
}

export interface MatrixOptions {
  cluster: Cluster;
  kubeconfig: string;
  kubectl: string;
  log?: (line: string) => void;
}

export async function runMatrix(sets: CorpusSet[], opts: MatrixOptions): Promise<Cell[]> {
  const perSet = await Promise.all(sets.map((set) => runSet(set, opts)));
  return perSet.flat();
}

async function runSet(set: CorpusSet, opts: MatrixOptions): Promise<Cell[]> {
  const cells: Cell[] = [];
  const discovery = new Discovery(opts.cluster.client);
  // CustomResourceDefinitions go first, and must be served before their custom resources can be placed or applied.
  const crds = set.objects.filter((o) => o.ref.kind === "CustomResourceDefinition");
  const rest = set.objects.filter((o) => o.ref.kind !== "CustomResourceDefinition");
  for (const style of STYLES) {
    const namespace = `corpus-${set.name.slice(0, 30)}-${style}`.toLowerCase();
    const byMode = new Map(MODES.map((mode) => [mode, cell(set.name, style, mode)]));
    const kubectl = (args: string[], stdin?: string) =>
      runKubectl(args, { kubectl: opts.kubectl, kubeconfig: opts.kubeconfig, namespace, stdin });
    let objects = await placed(crds, namespace, discovery);
    await cleanUp(objects, namespace, opts, discovery, rest);
    await kubectl(["create", "namespace", namespace]);
    try {
      const apply = async (batch: DesiredObject[]) => {
        if (batch.length === 0) return;
        const applied = await kubectl(applyArgs(style), batch.map((o) => JSON.stringify(o.object)).join("\n---\n"));
        if (applied.code !== 0) throw new Error(`${set.name} ${style}: ${applied.stderr.trim()}`);
      };
      await apply(objects);
      if (crds.length > 0) {
        const unready = await awaitCrds(
          opts.cluster.client,
          discovery,
          crds.map((c) => c.object),
          { timeoutMs: 60_000 },
        );
        if (unready.size > 0) throw new Error(`${set.name} ${style}: ${[...unready.values()].join("; ")}`);
      }
      const others = await placed(rest, namespace, discovery);
      await apply(others);
      objects = [...objects, ...others];
      const check = async (when: string, expected?: HandChange["expect"]) => {
        for (const mode of MODES) {
          const results = await detect({ objects, errors: [], version: "" }, opts.cluster, { mode, namespace });
          score(byMode.get(mode)!, when, results, expected);
        }
      };
      await check("in sync");
      for (const change of set.changes) {
        await step(kubectl, change.do);
        await check(change.name, change.expect);
        await step(kubectl, change.undo);
        await check(`${change.name}, undone`);
      }
    } finally {
      await cleanUp(objects, namespace, opts, discovery, rest);
    }
    cells.push(...byMode.values());
    opts.log?.(`${set.name} ${style}: done`);
  }
  return cells;
}

function applyArgs(style: Style): string[] {
  if (style === "server-side") return ["apply", "--server-side", "--field-manager=confighub", "-f", "-"];
  if (style === "client-side") return ["apply", "-f", "-"];
  return ["create", "-f", "-"];
}

async function step(kubectl: (args: string[]) => ReturnType<typeof runKubectl>, line: string): Promise<void> {
  const r = await kubectl(splitWords(line));
  if (r.code !== 0) throw new Error(`kubectl ${line}: ${r.stderr.trim()}`);
}

function cell(set: string, style: Style, mode: ComparisonMode): Cell {
  return { set, style, mode, checks: 0, falseDrifts: [], misses: [] };
}

/** Every reported change is a false drift except the one the hand change made; that one missing is a miss. */
function score(c: Cell, when: string, results: ResourceResult[], expected?: HandChange["expect"]): void {
  c.checks++;
  let found = false;
  for (const r of results) {
    const ref = `${r.ref.kind}/${r.ref.name}`;
    if (r.status === "Error" || r.status === "Missing")
      c.falseDrifts.push(`${when}: ${ref} ${r.status} ${r.error ?? ""}`);
    for (const ch of r.changes) {
      if (expected && ref === expected.ref && (ch.path === expected.path || ch.path.startsWith(`${expected.path}/`))) {
        found = true;
        continue;
      }
      c.falseDrifts.push(`${when}: ${ref} ${ch.type} ${ch.path}`);
    }
  }
  if (expected && !found) c.misses.push(`${when}: ${expected.ref} ${expected.path}`);
}

/** The set's objects in `namespace` (namespaced ones), as the hub would deliver them. */
async function placed(objects: DesiredObject[], namespace: string, discovery: Discovery): Promise<DesiredObject[]> {
  return Promise.all(
    objects.map(async (d) => {
      const info = await discovery.resolve(d.ref.apiVersion, d.ref.kind);
      const { namespace: _drop, ...metadata } = d.object.metadata;
      if (!info.namespaced) return { ...d, ref: { ...d.ref, namespace: undefined }, object: { ...d.object, metadata } };
      return {
        ...d,
        ref: { ...d.ref, namespace },
        object: { ...d.object, metadata: { ...metadata, namespace } },
      };
    }),
  );
}

/**
 * Removes the namespace and the set's cluster-scoped objects, and waits until they are gone: those of `objects` (as
 * placed) and of `unplaced` (not placed yet: custom kinds whose CRD is not there are skipped).
 */
async function cleanUp(
  objects: DesiredObject[],
  namespace: string,
  opts: MatrixOptions,
  discovery: Discovery,
  unplaced: DesiredObject[] = [],
): Promise<void> {
  const refs = [{ apiVersion: "v1", kind: "Namespace", name: namespace }, ...objects.map((o) => o.ref)];
  const placedKeys = new Set(refs.map((r) => `${r.kind}/${r.name}`));
  refs.push(...unplaced.map((o) => o.ref).filter((r) => !placedKeys.has(`${r.kind}/${r.name}`)));
  await Promise.all(
    refs.map(async (ref) => {
      const info = await discovery.resolve(ref.apiVersion, ref.kind).catch(() => undefined);
      if (!info || info.namespaced) return; // gone with the namespace
      await deleteObject(opts.cluster.client, info, undefined, ref.name).catch(() => {});
      for (let i = 0; i < 600; i++) {
        if ((await getObject(opts.cluster.client, info, undefined, ref.name)) === undefined) return;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`${ref.kind}/${ref.name} still there a minute after deletion`);
    }),
  );
}

/** The matrix as a Markdown table: set × style × mode, false drifts and misses. */
export function renderMatrix(cells: Cell[]): string {
  const lines = ["| set | applied with | mode | checks | false drifts | misses |", "|---|---|---|---|---|---|"];
  for (const c of cells) {
    lines.push(`| ${c.set} | ${c.style} | ${c.mode} | ${c.checks} | ${c.falseDrifts.length} | ${c.misses.length} |`);
  }
  return lines.join("\n");
}

export function renderProblems(cells: Cell[]): string {
  const out: string[] = [];
  for (const c of cells) {
    for (const f of c.falseDrifts) out.push(`false drift [${c.set} ${c.style} ${c.mode}] ${f}`);
    for (const m of c.misses) out.push(`miss [${c.set} ${c.style} ${c.mode}] ${m}`);
  }
  return out.join("\n");
}

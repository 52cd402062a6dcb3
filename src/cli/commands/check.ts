// `drift-detector check`: one comparison of desired against live, then exit (0 in sync, 1 drift, 2 could not compare).

import { join } from "node:path";
import { type Command, Option } from "commander";
import { loadSnapshot } from "../../desired/open.js";
import { detect } from "../../detection/detect.js";
import { dryRunStorePath, loadDryRuns } from "../../detection/dryrun-store.js";
import { loadEngineConfigFile } from "../../detection/engine-config-file.js";
import { type ModeSetting, resolveMode } from "../../detection/mode.js";
import { summarize } from "../../drift/engine.js";
import { renderReport } from "../../drift/render.js";
import type { DesiredObject, DetectionReport } from "../../drift/types.js";
import { type Cluster, loadCluster, verifyCluster } from "../../kube/cluster.js";
import { Discovery } from "../../kube/discovery.js";
import { schemaStore } from "../../kube/openapi-schema-store.js";
import { PublishedSchemas } from "../../kube/openapi-schemas.js";
import { userCacheDir } from "../../lib/cache-dir.js";
import { ExpectedError } from "../../lib/errors.js";
import { stripTerminal, stripTerminalDeep } from "../../lib/escape.js";
import { patchTargets } from "../../rbac/rules.js";
import { rbacTargets } from "../../rbac/targets.js";

export interface CheckOptions {
  source: string;
  kubeconfig?: string;
  context?: string;
  namespace?: string;
  mode: ModeSetting;
  output: "text" | "json";
  analyze?: boolean;
  revision?: "applied" | "head";
  /** Engine configuration file: ignore rules, imperative managers, severity rules (docs/ignore-rules.md). */
  config?: string;
  /** Requests in flight at once (reads and server-mode dry-runs). */
  concurrency?: number;
}

export interface CheckOutcome {
  report: DetectionReport;
  exitCode: 0 | 1 | 2;
}

export function register(cmd: Command): void {
  cmd
    .requiredOption("--source <src>", "desired state: a directory or file of manifests, hub:SPACE or confighub:SPACE")
    .option("--kubeconfig <file>", "kubeconfig file (default: KUBECONFIG, in-cluster, ~/.kube/config)")
    .option("--context <name>", "kubeconfig context (default: the current context)")
    .option("--namespace <ns>", "namespace for namespaced objects that name none (default: the context's)")
    .addOption(
      new Option(
        "--mode <mode>",
        "server: server-side apply dry-run (needs patch); client: read-only; auto: server when permitted",
      )
        .choices(["server", "client", "auto"])
        .default("auto"),
    )
    .addOption(new Option("--output <format>", "output format").choices(["text", "json"]).default("text"))
    .addOption(
      new Option("--revision <which>", "hub sources: compare with the revision last applied, or with head")
        .choices(["applied", "head"])
        .default("applied"),
    )
    .option("--config <file>", "engine configuration: ignore rules, imperative managers, severity rules (YAML)")
    .option("--analyze", "attach an analysis to each drift")
    .option("--concurrency <n>", "requests to the API server in flight at once (default: 16)", parseConcurrency)
    .action(async (opts: CheckOptions) => {
      const { report, exitCode } = await runCheck(opts);
      process.stdout.write(
        opts.output === "json"
          ? `${JSON.stringify(report, null, 2)}\n`
          : // Live values may carry terminal sequences: stripped before our own colours are added.
            renderReport(stripTerminalDeep(report), { color: useColor() }) +
              (opts.analyze ? stripTerminal(await analysisText(report)) : ""),
      );
      process.exitCode = exitCode;
    });
}

function parseConcurrency(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 256) {
    throw new ExpectedError(`--concurrency must be a whole number from 1 to 256, not ${JSON.stringify(value)}`);
  }
  return n;
}

/** The whole check without printing: the report and the exit code. Expected failures throw an ExpectedError (exit 2). */
export async function runCheck(opts: CheckOptions): Promise<CheckOutcome> {
  // Read first: a bad configuration file fails fast, before any source or cluster is opened.
  const engine = opts.config ? await loadEngineConfigFile(opts.config as string) : undefined;
  const cacheDir = userCacheDir();
  const cluster = loadCluster({ kubeconfig: opts.kubeconfig, context: opts.context });
  try {
    // The source is read while the cluster answers its first request (a round trip or more to a remote cluster); a
    // bad source is still the error reported.
    const reachable = verifyCluster(cluster);
    reachable.catch(() => {});
    const snapshot = await loadSnapshot(opts.source, { revision: opts.revision, cacheDir });
    await reachable;
    const discovery = new Discovery(cluster.client);
    const { mode } = await resolveMode(cluster, opts.mode, () => patchTargetsOf(snapshot, cluster, discovery, opts));
    // Server mode: last runs' dry-runs of unchanged objects onto unchanged live objects are not asked again.
    const publishedSchemas = new PublishedSchemas(cluster.client, schemaStore(join(cacheDir, "openapi")));
    const store = mode === "server" ? loadDryRuns(dryRunStorePath(cluster.kubeConfig)) : undefined;
    const results = await detect(snapshot, cluster, {
      mode,
      ...(store ? { cache: store.cache } : {}),
      namespace: opts.namespace,
      engine,
      discovery,
      publishedSchemas,
      ...(opts.concurrency ? { concurrency: opts.concurrency } : {}),
    });
    // An unwritable cache only costs speed.
    await Promise.all([store?.save(results.map((r) => r.ref)).catch(() => {}), publishedSchemas.flush()]);
    const report = summarize(results, mode);
    return { report: opts.analyze ? await analyze(report) : report, exitCode: exitCodeOf(report) };
  } finally {
    await cluster.client.close();
  }
}

/** The kinds `auto` mode asks `patch` for: those of the units, where they live. */
async function patchTargetsOf(
  snapshot: { objects: DesiredObject[] },
  cluster: Cluster,
  discovery: Discovery,
  opts: CheckOptions,
) {
  const fallback = opts.namespace ?? cluster.namespace ?? "default";
  return patchTargets((await rbacTargets(snapshot.objects, discovery, fallback)).targets);
}

/** 1 when anything drifted or is missing; else 2 when any object could not be compared; else 0. */
export function exitCodeOf(report: DetectionReport): 0 | 1 | 2 {
  const s = report.summary;
  if (s.drifted + s.missing > 0) return 1;
  if (s.errors > 0) return 2;
  return 0;
}

/** Colour only for a person at a terminal, and never when NO_COLOR is set (https://no-color.org). */
export function useColor(stream: NodeJS.WriteStream = process.stdout, env = process.env): boolean {
  return Boolean(stream.isTTY) && !env.NO_COLOR;
}

// --analyze (src/analysis): loaded only when asked for, so a plain check never loads the model SDK.
async function analyze(report: DetectionReport): Promise<DetectionReport> {
  const { analyzeCheckReport } = await import("../../analysis/for-check.js");
  return analyzeCheckReport(report, { note: (line) => process.stderr.write(`drift-detector: ${line}\n`) });
}

async function analysisText(report: DetectionReport): Promise<string> {
  const { renderAnalyses } = await import("../../analysis/attach.js");
  return renderAnalyses(report);
}

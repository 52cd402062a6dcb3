// `drift-detector scenarios DIR`: runs every scenario file in DIR against a real cluster (its own sandbox unless
// --kubeconfig is given), in both comparison modes; last line exactly `N passed, N failed`.
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Command, Option } from "commander";
import type { ComparisonMode } from "../../drift/types.js";
import { loadCluster, verifyCluster } from "../../kube/cluster.js";
import { kubectlFor } from "../../sandbox/kubectl.js";
import { loadScenarios } from "../../scenarios/format.js";
import { type RunnerOptions, type RunSummary, runScenarios } from "../../scenarios/runner.js";
import { CliError } from "../errors.js";

export interface ScenariosOptions {
  mode: "server" | "client" | "both";
  kubeconfig?: string;
  kubectl?: string;
  parallel: string;
  keepNamespaces?: boolean;
}

export function register(cmd: Command): void {
  cmd
    .argument("<dir>", "directory of scenario files (*.yaml)")
    .addOption(
      new Option("--mode <mode>", "comparison modes to run").choices(["server", "client", "both"]).default("both"),
    )
    .option("--kubeconfig <file>", "use this cluster instead of starting a sandbox")
    .option(
      "--kubectl <path>",
      "kubectl for the steps (default: the sandbox's, or bin/kubectl next to --kubeconfig, or PATH)",
    )
    .option("--parallel <n>", "scenario runs at once", "4")
    .option("--keep-namespaces", "leave each scenario's namespace in place (debugging)")
    .action(async (dir: string, opts: ScenariosOptions) => {
      const summary = await runScenarioCommand(dir, opts, (line) => process.stdout.write(`${line}\n`));
      process.stdout.write(`${summary.passed} passed, ${summary.failed} failed\n`);
      process.exitCode = summary.failed === 0 ? 0 : 1;
    });
}

export async function runScenarioCommand(
  dir: string,
  opts: ScenariosOptions,
  print: (line: string) => void,
  extra: Pick<RunnerOptions, "crossCheck"> = {},
): Promise<RunSummary> {
  if (!existsSync(dir)) throw new CliError(`scenario directory ${dir} does not exist`);
  const parallel = Number(opts.parallel);
  if (!Number.isInteger(parallel) || parallel < 1)
    throw new CliError(`--parallel must be a positive integer, not ${opts.parallel}`);
  const modes: ComparisonMode[] = opts.mode === "both" ? ["server", "client"] : [opts.mode];
  const scenarios = await loadScenarios(dir);
  if (scenarios.length === 0) throw new CliError(`no scenario files (*.yaml) in ${dir}`);

  let sandboxDir: string | undefined;
  let kubeconfig = opts.kubeconfig;
  let kubectl = opts.kubectl;
  const progress = (line: string) => process.stderr.write(`${line}\n`);
  try {
    if (!kubeconfig) {
      // Loaded only here: the sandbox pulls in the control-plane build machinery.
      const sandbox = await import("../../sandbox/controlplane.js");
      sandboxDir = await mkdtemp(join(tmpdir(), "drift-scenarios-"));
      progress(`starting a sandbox in ${sandboxDir} …`);
      const started = await sandbox.start(sandboxDir, { log: progress });
      kubeconfig = started.kubeconfig;
      kubectl ??= started.kubectl;
    }
    kubectl ??= kubectlFor(kubeconfig);
    const cluster = loadCluster({ kubeconfig });
    await verifyCluster(cluster);
    try {
      return await runScenarios(scenarios, {
        cluster,
        kubeconfig,
        kubectl,
        modes,
        parallel,
        print,
        keepNamespaces: opts.keepNamespaces,
        ...extra,
      });
    } finally {
      await cluster.client.close();
    }
  } finally {
    if (sandboxDir) {
      const sandbox = await import("../../sandbox/controlplane.js");
      await sandbox.stop(sandboxDir).catch(() => {});
      await rm(sandboxDir, { recursive: true, force: true }).catch(() => {});
    }
  }
}

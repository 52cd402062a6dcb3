import type { Command } from "commander";
import { applySpaceUnits } from "../../hub/apply.js";
import { loadCluster } from "../../kube/cluster.js";
import { CliError } from "../errors.js";
import { type HubCliOptions, withHub } from "./connect.js";
import { print, table } from "./output.js";

type ApplyOpts = HubCliOptions & {
  space: string;
  where?: string;
  kubeconfig?: string;
  context?: string;
  namespace?: string;
  dryRun?: boolean;
  prune: boolean;
  crdTimeout: string;
};

export function registerApply(unit: Command): void {
  unit
    .command("apply [slug]")
    .description(
      "server-side apply units' head revisions to a cluster (field manager confighub) and record them as applied",
    )
    .requiredOption("--space <slug>", "the space")
    .option("--where <expr>", "which units (default: all of the space)")
    .option("--kubeconfig <file>", "kubeconfig file (default: KUBECONFIG, in-cluster, ~/.kube/config)")
    .option("--context <name>", "kubeconfig context")
    .option(
      "--namespace <ns>",
      "namespace for namespaced objects that name none (default: the context's, then default)",
    )
    .option("--dry-run", "server-side dry run: nothing changes, nothing is recorded")
    .option("--no-prune", "keep objects the previously applied revision had and this one lacks")
    .option("--crd-timeout <seconds>", "how long to wait for applied CRDs to become Established", "60")
    .option("--data <dir>", "embedded store directory")
    .option("--json", "print JSON")
    .action((slug: string | undefined, opts: ApplyOpts) =>
      withHub(opts, async (h) => {
        const crdTimeout = Number(opts.crdTimeout);
        if (!Number.isFinite(crdTimeout) || crdTimeout <= 0)
          throw new CliError(`--crd-timeout must be a positive number of seconds, got "${opts.crdTimeout}"`);
        let cluster: ReturnType<typeof loadCluster>;
        try {
          cluster = loadCluster({ kubeconfig: opts.kubeconfig, context: opts.context });
        } catch (err) {
          throw new CliError((err as Error).message);
        }
        try {
          const results = await applySpaceUnits(h, cluster, opts.space, {
            units: slug ? [slug] : undefined,
            where: opts.where,
            dryRun: opts.dryRun,
            prune: opts.prune,
            namespace: opts.namespace,
            crdTimeoutMs: crdTimeout * 1000,
          }).catch((err: Error) => {
            throw new CliError(err.message);
          });
          print(opts.json, results, () =>
            table(
              ["UNIT", "REVISION", "APPLIED", "PRUNED", "RESULT"],
              results.map((r) => [
                r.unit,
                r.revision,
                r.applied.length,
                r.pruned.length,
                r.error ?? (opts.dryRun ? "ok (dry run)" : "applied"),
              ]),
            ),
          );
          if (results.some((r) => r.error)) process.exitCode = 2;
        } finally {
          await cluster.client.close();
        }
      }),
    );
}

export function registerRelease(hub: Command): void {
  const release = hub.command("release").description("releases: publish");
  release
    .command("publish")
    .description("publish a release of the space: its units' head revisions become LastReleasedRevisionNum")
    .requiredOption("--space <slug>", "the space")
    .option("--data <dir>", "embedded store directory")
    .option("--json", "print JSON")
    .action((opts: HubCliOptions & { space: string }) =>
      withHub(opts, async (h) => {
        const published = await h.publishRelease(opts.space);
        const units = (await h.listUnits(opts.space)).map((i) => i.Unit);
        print(opts.json, { Release: published, Units: units }, () =>
          units.map((u) => `released ${u.SpaceSlug}/${u.Slug} revision ${u.LastReleasedRevisionNum}\n`).join(""),
        );
      }),
    );
}

// `drift-detector rbac`: the Roles and ClusterRoles (YAML) a detector watching SRC needs, and nothing more.
import { type Command, Option } from "commander";
import { stringify } from "yaml";
import { loadSnapshot } from "../../desired/open.js";
import { loadCluster, verifyCluster } from "../../kube/cluster.js";
import { Discovery } from "../../kube/discovery.js";
import { ExpectedError } from "../../lib/errors.js";
import { rbacFor } from "../../rbac/rules.js";
import { rbacTargets } from "../../rbac/targets.js";

interface RbacCommandOptions {
  source: string;
  mode: "client" | "server";
  kubeconfig?: string;
  context?: string;
  namespace?: string;
  name: string;
  leaseNamespace: string;
  leaseName: string;
  serviceAccount?: string;
  sharding?: boolean;
  identity?: "off" | "admission";
}

export function register(cmd: Command): void {
  cmd
    .requiredOption("--source <src>", "desired state: a directory or file of manifests, hub:SPACE or confighub:SPACE")
    .addOption(
      new Option("--mode <mode>", "client: read only; server: also the dry-run's patch and create on those kinds")
        .choices(["client", "server"])
        .default("client"),
    )
    .option("--kubeconfig <file>", "kubeconfig of the cluster whose discovery names the kinds")
    .option("--context <name>", "kubeconfig context (default: the current context)")
    .option("--namespace <ns>", "namespace for namespaced objects that name none (default: the context's)")
    .option("--name <name>", "name of the roles and bindings", "drift-detector")
    .option("--lease-namespace <ns>", "namespace of the detector's Lease", "devops-apps")
    .option("--lease-name <name>", "name of the detector's Lease", "drift-detector")
    .option("--service-account <ns/name>", "also print bindings to this ServiceAccount")
    .option("--sharding", "replicas share shards: Leases of any name in the Lease namespace (members, shards)")
    .addOption(
      new Option("--identity <mode>", "admission: also the detector's ValidatingWebhookConfiguration (DRIFT_IDENTITY)")
        .choices(["off", "admission"])
        .default("off"),
    )
    .action(async (opts: RbacCommandOptions) => {
      process.stdout.write(await rbacYaml(opts));
    });
}

export async function rbacYaml(opts: RbacCommandOptions): Promise<string> {
  let serviceAccount: { namespace: string; name: string } | undefined;
  if (opts.serviceAccount) {
    const [namespace, name, ...rest] = opts.serviceAccount.split("/");
    if (!namespace || !name || rest.length) throw new ExpectedError("--service-account must be NAMESPACE/NAME");
    serviceAccount = { namespace, name };
  }
  const snapshot = await loadSnapshot(opts.source);
  const cluster = loadCluster({ kubeconfig: opts.kubeconfig, context: opts.context });
  try {
    await verifyCluster(cluster);
    const fallback = opts.namespace ?? cluster.namespace ?? "default";
    const { targets, unknown } = await rbacTargets(snapshot.objects, new Discovery(cluster.client), fallback);
    // A kind the cluster does not serve has no resource name to grant: say so rather than print partial RBAC.
    if (unknown.length > 0) {
      throw new ExpectedError(`the cluster serves no ${unknown.join(", ")}: install their CRDs first`);
    }
    const objects = rbacFor(targets, { ...opts, serviceAccount, identity: opts.identity === "admission" });
    return objects.map((o) => stringify(o, { lineWidth: 0, aliasDuplicateObjects: false })).join("---\n");
  } finally {
    await cluster.client.close();
  }
}

// deploy/'s RBAC is what `drift-detector rbac` prints for the detector's own units (the self-managed deployment
// watches its own space, whose units are deploy/overlays/dev): rbac/rbac.yaml in client mode, and the server-mode
// component's rbac-write.yaml in server mode (the same Roles with the dry-run's verbs, as patches over the base's).
// Rendered against a cluster, whose discovery names the kinds (the ServiceMonitor CRD must be installed).
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseAllDocuments, stringify } from "yaml";
import { rbacYaml } from "../src/cli/commands/rbac.js";
import { renderKustomization } from "../src/demo/kubectl.js";

const HEADER = {
  base: `# Generated: \`npx tsx deploy/render-rbac.ts --kubeconfig FILE\` (deploy/rbac.ts), i.e. \`drift-detector rbac\` over
# the units of deploy/overlays/dev, the detector's own space. Read on exactly those kinds, Secrets only by name, the
# Lease by name, Events create where the units live; no wildcard. Watching other spaces: render their RBAC with
# \`drift-detector rbac --source SPACE --service-account devops-apps/drift-detector\` and apply it too.
`,
  server: `# Generated with deploy/rbac.ts: \`drift-detector rbac --mode server\` over the same units. Server-side dry-run
# apply is authorized as \`patch\` (and \`create\` for an object that does not exist yet); revert is the same request
# without dryRun. These Roles replace the base's rules (a strategic-merge patch replaces \`rules\` whole).
`,
};

export interface DeployRbac {
  /** deploy/rbac/rbac.yaml */
  base: string;
  /** deploy/components/server-mode/rbac-write.yaml */
  server: string;
}

export async function renderDeployRbac(kubeconfig: string, deployDir: string): Promise<DeployRbac> {
  const units = await renderKustomization(join(deployDir, "overlays/dev"));
  const dir = await mkdtemp(join(tmpdir(), "deploy-rbac-"));
  try {
    const source = join(dir, "units.yaml");
    await writeFile(source, units.map((u) => stringify(u)).join("---\n"));
    const opts = {
      source,
      kubeconfig,
      name: "drift-detector",
      leaseNamespace: "devops-apps",
      leaseName: "drift-detector",
      serviceAccount: "devops-apps/drift-detector",
    };
    const base = await rbacYaml({ ...opts, mode: "client" });
    const server = await rbacYaml({ ...opts, mode: "server" });
    // Bindings are the base's; the component patches only the roles.
    const roles = parseAllDocuments(server)
      .map((d) => d.toJS())
      .filter((o) => o.kind === "Role" || o.kind === "ClusterRole");
    return {
      base: HEADER.base + base,
      server:
        HEADER.server + roles.map((o) => stringify(o, { lineWidth: 0, aliasDuplicateObjects: false })).join("---\n"),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

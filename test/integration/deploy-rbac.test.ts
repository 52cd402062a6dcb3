// deploy/'s RBAC without wildcards, as `drift-detector rbac` prints it for the detector's own units, and the
// service running under exactly such roles against the sandbox's kube-apiserver: with a service-account token, its
// watches (Secrets by name only) sync and its verdicts are InSync/Drifted/Missing, never Error ("forbidden").
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { parseAllDocuments, stringify } from "yaml";
import { renderDeployRbac } from "../../deploy/rbac.js";
import { rbacYaml } from "../../src/cli/commands/rbac.js";
import type { RunningService } from "../../src/service/service.js";
import {
  createTestNamespace,
  kubectlIn,
  kubectlWithInput,
  loadKubeConfig,
  type TestNamespace,
} from "../helpers/kube.js";
import { startReadyService, testRunSettings, until } from "../helpers/service-run.js";

const DEPLOY = join(import.meta.dirname, "../../deploy");

function yamlFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) return yamlFiles(p);
    return /\.ya?ml$/.test(f) ? [p] : [];
  });
}

/** A kubeconfig for the sandbox's server that authenticates with `token` only. */
function tokenKubeconfig(dir: string, token: string): string {
  const admin = loadKubeConfig();
  const cluster = admin.getCurrentCluster()!;
  const file = join(dir, "sa-kubeconfig");
  writeFileSync(
    file,
    stringify({
      apiVersion: "v1",
      kind: "Config",
      clusters: [{ name: "sb", cluster: { server: cluster.server, "certificate-authority-data": cluster.caData } }],
      users: [{ name: "sa", user: { token } }],
      contexts: [{ name: "sa", context: { cluster: "sb", user: "sa" } }],
      "current-context": "sa",
    }),
  );
  return file;
}

type Rule = { apiGroups?: string[]; resources?: string[]; verbs?: string[]; resourceNames?: string[] };

describe("deploy/ RBAC", () => {
  let kubeconfig: string;
  beforeAll(async () => {
    kubeconfig = inject("kubeconfig");
    kubectlWithInput(["apply", "--server-side", "-f", join(DEPLOY, "sandbox/servicemonitor-crd.yaml")]);
  });

  it("is what `rbac` prints for the detector's own units (deploy/render-rbac.ts rewrites it)", async () => {
    const rbac = await renderDeployRbac(kubeconfig, DEPLOY);
    expect(readFileSync(join(DEPLOY, "rbac/rbac.yaml"), "utf8")).toBe(rbac.base);
    expect(readFileSync(join(DEPLOY, "components/server-mode/rbac-write.yaml"), "utf8")).toBe(rbac.server);
  });

  it("grants no wildcard, no nodes/proxy, pods/log or pods/exec, and Secrets only by name", () => {
    const rules: Array<Rule & { file: string }> = [];
    for (const file of yamlFiles(DEPLOY)) {
      for (const doc of parseAllDocuments(readFileSync(file, "utf8"))) {
        const o = doc.toJS() as { kind?: string; rules?: Rule[] } | null;
        if (o?.kind === "Role" || o?.kind === "ClusterRole")
          rules.push(...(o.rules ?? []).map((r) => ({ ...r, file })));
      }
    }
    expect(rules.length).toBeGreaterThan(5);
    for (const r of rules) {
      const all = [...(r.apiGroups ?? []), ...(r.resources ?? []), ...(r.verbs ?? [])];
      expect(all, r.file).not.toContain("*");
      for (const forbidden of ["nodes/proxy", "pods/log", "pods/exec"])
        expect(r.resources ?? [], r.file).not.toContain(forbidden);
      if (r.resources?.includes("secrets")) expect(r.resourceNames?.length, r.file).toBeGreaterThan(0);
    }
  });
});

describe("the service under roles from `rbac`", () => {
  let ns: TestNamespace;
  let dir: string;
  let service: RunningService | undefined;
  const kubectl = (...args: string[]) => kubectlIn(ns.name, ...args);

  beforeAll(async () => {
    ns = await createTestNamespace(loadKubeConfig(), "rbacrun");
    dir = mkdtempSync(join(tmpdir(), "rbacrun-"));
    // Two Secrets: the watch must be per name (a Role by resourceNames allows no namespace-wide list).
    const units = `apiVersion: v1
kind: ConfigMap
metadata: {name: settings, namespace: ${ns.name}}
data: {mode: fast}
---
apiVersion: v1
kind: Secret
metadata: {name: db, namespace: ${ns.name}}
stringData: {password: hunter2}
---
apiVersion: v1
kind: Secret
metadata: {name: api, namespace: ${ns.name}}
stringData: {key: k-123}
---
apiVersion: v1
kind: Secret
metadata: {name: gone, namespace: ${ns.name}}
stringData: {x: "1"}
`;
    writeFileSync(join(dir, "units.yaml"), units);
    kubectl("apply", "--server-side", "-f", join(dir, "units.yaml"));
    kubectl("delete", "secret", "gone");
    kubectl("create", "secret", "generic", "unrelated", "--from-literal=v=not-for-us");
    kubectl("create", "serviceaccount", "detector");
    const roles = await rbacYaml({
      source: join(dir, "units.yaml"),
      mode: "client",
      kubeconfig: inject("kubeconfig"),
      name: `dd-${ns.name}`,
      leaseNamespace: ns.name,
      leaseName: "drift-detector",
      serviceAccount: `${ns.name}/detector`,
    });
    writeFileSync(join(dir, "rbac.yaml"), roles);
    kubectlWithInput(["apply", "-f", join(dir, "rbac.yaml")]);
    const token = kubectl("create", "token", "detector", "--duration=1h").trim();
    service = await startReadyService({
      settings: testRunSettings({
        source: join(dir, "units.yaml"),
        dataDir: join(dir, "data"),
        kubeconfig: tokenKubeconfig(dir, token),
      }),
    });
  });

  afterAll(async () => {
    await service?.stop();
    if (ns) {
      kubectlWithInput(["delete", "clusterrole,clusterrolebinding", `dd-${ns.name}`, "--ignore-not-found"]);
      await ns.delete();
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("cannot read what it was not granted", () => {
    const asDetector = ["--as", `system:serviceaccount:${ns.name}:detector`, "-n", ns.name];
    expect(() => kubectlWithInput(["get", "secret", "unrelated", ...asDetector])).toThrow(/forbidden/);
    expect(() => kubectlWithInput(["get", "secrets", ...asDetector])).toThrow(/forbidden/);
  });

  it("syncs its watches and judges every unit, Secrets included, then sees a Secret's drift", async () => {
    const base = service!.address;
    const statuses = async () => {
      const { items } = (await (await fetch(`${base}/api/resources`)).json()) as {
        items: Array<{ ref: { kind: string; name: string }; status: string; message?: string }>;
      };
      return Object.fromEntries(items.map((r) => [`${r.ref.kind}/${r.ref.name}`, r.status]));
    };
    expect(await statuses()).toEqual({
      "ConfigMap/settings": "InSync",
      "Secret/db": "InSync",
      "Secret/api": "InSync",
      "Secret/gone": "Missing",
    });
    kubectl("patch", "secret", "api", "--type=merge", "-p", '{"stringData":{"key":"k-456"}}');
    await until("the Secret's drift", async () => (await statuses())["Secret/api"] === "Drifted");
    kubectl("create", "secret", "generic", "gone", "--from-literal=x=1");
    await until("the created Secret", async () => (await statuses())["Secret/gone"] !== "Missing");
  });
});

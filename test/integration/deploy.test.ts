import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { stringify } from "yaml";
import { kubectl, renderKustomization } from "../../src/demo/kubectl.js";
import type { KubeObject } from "../../src/drift/types.js";

// deploy/ as users apply it: both overlays (and the server-mode component) render with the kustomize built into
// kubectl, and every object passes a server-side dry-run apply against the sandbox's kube-apiserver, in the real
// devops-apps namespace with its Pod Security "restricted" label, so a weakened securityContext shows as a warning.

const ROOT = resolve(import.meta.dirname, "../..");
const DEPLOY = join(ROOT, "deploy");
const MANAGER = "drift-detector-deploy-test";

let kubeconfig: string;
let scratch: string;

// JSON, not YAML: kubectl reads YAML 1.1, where an unquoted `off` (DRIFT_REMEDIATION) would turn into `false`.
function listOf(objects: KubeObject[]): string {
  return JSON.stringify({ apiVersion: "v1", kind: "List", items: objects });
}

async function dryRunApply(objects: KubeObject[]) {
  return kubectl(
    ["apply", "--server-side", "--dry-run=server", `--field-manager=${MANAGER}`, "--validate=strict", "-f", "-"],
    { kubeconfig, input: listOf(objects) },
  );
}

function find(objects: KubeObject[], kind: string, name?: string): KubeObject {
  const found = objects.find((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
  if (!found) throw new Error(`no ${kind}${name ? `/${name}` : ""} rendered`);
  return found;
}

// biome-ignore lint/suspicious/noExplicitAny: reading deep into rendered manifests
type Any = any;
function container(objects: KubeObject[]): Any {
  return (find(objects, "Deployment", "drift-detector") as Any).spec.template.spec.containers[0];
}
function envVar(objects: KubeObject[], name: string): Any {
  return container(objects).env.find((e: Any) => e.name === name);
}

/** An overlay with one of deploy/components added, as a user's kustomization would have it. */
async function renderWithComponent(overlay: string, component: string): Promise<KubeObject[]> {
  const dir = join(scratch, component);
  await mkdir(dir, { recursive: true });
  await writeFile(
    join(dir, "kustomization.yaml"),
    // Kustomize refuses absolute paths: refer to deploy/ relative to the scratch folder.
    stringify({
      resources: [relative(dir, join(DEPLOY, "overlays", overlay))],
      components: [relative(dir, join(DEPLOY, "components", component))],
    }),
  );
  return renderKustomization(dir);
}

beforeAll(async () => {
  kubeconfig = inject("kubeconfig");
  scratch = await mkdtemp(join(tmpdir(), "deploy-test-"));
  // The sandbox has no Prometheus Operator: install the ServiceMonitor and PrometheusRule CRD stand-ins, and create the real namespace
  // (namespaced objects cannot be dry-run into a namespace that does not exist).
  for (const crd of ["servicemonitor", "prometheusrule"]) {
    await kubectl(
      ["apply", "--server-side", `--field-manager=${MANAGER}`, "-f", join(DEPLOY, `sandbox/${crd}-crd.yaml`)],
      { kubeconfig },
    );
    await kubectl(["wait", "--for=condition=Established", "--timeout=60s", `crd/${crd}s.monitoring.coreos.com`], {
      kubeconfig,
    });
  }
  await kubectl(["apply", "--server-side", `--field-manager=${MANAGER}`, "-f", join(DEPLOY, "base/namespace.yaml")], {
    kubeconfig,
  });
});

afterAll(async () => {
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

describe("deploy/ overlays", () => {
  it("dev renders one replica on the embedded store with a volume and rules analysis", async () => {
    const objects = await renderKustomization(join(DEPLOY, "overlays/dev"));
    const deployment = find(objects, "Deployment", "drift-detector") as Any;
    expect(deployment.metadata.namespace).toBe("devops-apps");
    expect(deployment.spec.replicas).toBe(1);
    expect(deployment.spec.strategy.type).toBe("Recreate");
    expect(envVar(objects, "DATABASE_URL")).toBeUndefined();
    expect(envVar(objects, "DRIFT_ANALYSIS").value).toBe("rules");
    const data = deployment.spec.template.spec.volumes.find((v: Any) => v.name === "data");
    expect(data).toEqual({ name: "data", persistentVolumeClaim: { claimName: "drift-detector-data" } });
    find(objects, "PersistentVolumeClaim", "drift-detector-data");
    // The engine configuration: an optional ConfigMap mounted as a directory (updates reach the file).
    expect(envVar(objects, "DRIFT_CONFIG").value).toBe("/etc/drift-detector/config.yaml");
    const config = deployment.spec.template.spec.volumes.find((v: Any) => v.name === "config");
    expect(config.configMap).toEqual({ name: "drift-detector-config", optional: true });
    expect(container(objects).volumeMounts).toContainEqual({
      name: "config",
      mountPath: "/etc/drift-detector",
      readOnly: true,
    });
  });

  it("prod renders two replicas with DATABASE_URL from a Secret", async () => {
    const objects = await renderKustomization(join(DEPLOY, "overlays/prod"));
    expect((find(objects, "Deployment") as Any).spec.replicas).toBe(2);
    expect(envVar(objects, "DATABASE_URL").valueFrom.secretKeyRef).toEqual({
      name: "drift-detector-database",
      key: "url",
    });
    expect(envVar(objects, "CLAUDE_API_KEY").valueFrom.secretKeyRef.name).toBe("drift-detector-secrets");
    expect(envVar(objects, "CUB_TOKEN").valueFrom.secretKeyRef.name).toBe("drift-detector-secrets");
    expect(objects.some((o) => o.kind === "PersistentVolumeClaim")).toBe(false);
    const deployment = find(objects, "Deployment") as Any;
    expect(deployment.spec.strategy.type).toBe("RollingUpdate");
    expect(deployment.spec.template.spec.volumes.find((v: Any) => v.name === "data")).toEqual({
      name: "data",
      emptyDir: {},
    });
  });

  it("base keeps /data on a PersistentVolumeClaim, one pod at a time", async () => {
    const objects = await renderKustomization(join(DEPLOY, "base"));
    const deployment = find(objects, "Deployment", "drift-detector") as Any;
    expect(deployment.spec.strategy.type).toBe("Recreate");
    const data = deployment.spec.template.spec.volumes.find((v: Any) => v.name === "data");
    expect(data).toEqual({ name: "data", persistentVolumeClaim: { claimName: "drift-detector-data" } });
    expect((find(objects, "PersistentVolumeClaim", "drift-detector-data") as Any).metadata.namespace).toBe(
      "devops-apps",
    );
  });

  it("identity from admission: on in prod (port 8443 on the pod and the Service, its own webhook configuration), off in dev", async () => {
    const prod = await renderKustomization(join(DEPLOY, "overlays/prod"));
    expect(envVar(prod, "DRIFT_IDENTITY").value).toBe("admission");
    expect(container(prod).ports).toContainEqual({ name: "admission", containerPort: 8443, protocol: "TCP" });
    const ports = (find(prod, "Service", "drift-detector") as Any).spec.ports.map((p: Any) => p.port);
    expect(ports.sort()).toEqual([8080, 8443]);
    const role = find(prod, "ClusterRole", "drift-detector-identity") as Any;
    expect(role.rules.flatMap((r: Any) => r.resources)).toEqual([
      "validatingwebhookconfigurations",
      "validatingwebhookconfigurations",
    ]);
    expect(role.rules[1].resourceNames).toEqual(["drift-detector-identity"]);
    const dev = await renderKustomization(join(DEPLOY, "overlays/dev"));
    expect(envVar(dev, "DRIFT_IDENTITY")).toBeUndefined();
    expect(dev.some((o) => o.metadata.name === "drift-detector-identity")).toBe(false);
  });

  it("both are read-only by default: no write verb but on events and the namespace's leases", async () => {
    for (const overlay of ["dev", "prod"]) {
      const objects = await renderKustomization(join(DEPLOY, "overlays", overlay));
      // The detector's only writes: Events, the Lease (create cannot be limited by name) and, with identity (prod),
      // its own webhook configuration; drift-detector.io is its own API's permissions (rbac-access.yaml).
      const ownWrites = ["events", "leases", "validatingwebhookconfigurations"];
      for (const role of objects.filter((o) => o.kind === "Role" || o.kind === "ClusterRole") as Any[]) {
        for (const rule of role.rules) {
          if (rule.apiGroups?.[0] === "drift-detector.io" || rule.nonResourceURLs) continue;
          const reads = rule.verbs.every((v: string) => ["get", "list", "watch"].includes(v));
          expect(reads || ownWrites.includes(rule.resources[0]), role.metadata.name).toBe(true);
        }
      }
      expect(find(objects, "Role", "drift-detector-leader-election").metadata.namespace).toBe("devops-apps");
      expect(container(objects).securityContext).toMatchObject({
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ["ALL"] },
      });
    }
  });

  for (const overlay of ["dev", "prod"]) {
    it(`every object of ${overlay} passes a server-side dry-run apply, without Pod Security warnings`, async () => {
      const objects = await renderKustomization(join(DEPLOY, "overlays", overlay));
      const { stdout, stderr } = await dryRunApply(objects);
      for (const o of objects) expect(stdout).toContain(`/${o.metadata.name} serverside-applied (server dry run)`);
      expect(stdout.trim().split("\n")).toHaveLength(objects.length);
      expect(stderr).not.toMatch(/warning/i);
    });
  }

  it("the server-mode component adds the write verbs and DRIFT_MODE=server, and passes the dry-run", async () => {
    const objects = await renderWithComponent("dev", "server-mode");
    // The same Roles with the dry-run's verbs on the units' kinds (rbac-write.yaml patches the base's).
    const role = objects.find((o) => o.kind === "Role" && o.metadata.namespace === "devops-apps") as Any;
    const deployments = role.rules.find((r: Any) => r.resources.includes("deployments"));
    expect(deployments.verbs).toEqual(["get", "list", "watch", "create", "patch"]);
    expect(envVar(objects, "DRIFT_MODE").value).toBe("server");
    const { stdout } = await dryRunApply(objects);
    expect(stdout).toContain("role.rbac.authorization.k8s.io/drift-detector serverside-applied");
  });

  it("the alerts component adds the PrometheusRule, and passes the dry-run", async () => {
    const objects = await renderWithComponent("prod", "alerts");
    const rule = find(objects, "PrometheusRule", "drift-detector") as Any;
    expect(rule.metadata.namespace).toBe("devops-apps");
    expect(rule.spec.groups.flatMap((g: Any) => g.rules).length).toBeGreaterThan(10);
    const { stdout } = await dryRunApply(objects);
    expect(stdout).toContain("prometheusrule.monitoring.coreos.com/drift-detector serverside-applied (server dry run)");
    // and the stand-in is strict enough to catch a misspelt field
    const broken = structuredClone(rule);
    broken.spec.groups[0].rules[0].fro = "5m";
    await expect(dryRunApply([broken])).rejects.toThrow(/unknown field|field not declared/);
  });

  it("the ServiceMonitor stand-in still rejects a misspelt field (the dry-run can fail)", async () => {
    const objects = await renderKustomization(join(DEPLOY, "overlays/dev"));
    const monitor = structuredClone(find(objects, "ServiceMonitor")) as Any;
    monitor.spec.endpoints[0].intervall = "30s";
    await expect(dryRunApply([monitor])).rejects.toThrow(/unknown field "intervall"|intervall: field not declared/);
  });
});

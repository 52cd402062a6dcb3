// detect() against the real sandbox: the server-mode dry-run cache, namespace resolution, duplicates, auto mode.
import { expect, inject } from "vitest";
import { detect } from "../../src/detection/detect.js";
import { resolveMode } from "../../src/detection/mode.js";
import type { DesiredObject, KubeObject } from "../../src/drift/types.js";
import { loadCluster } from "../../src/kube/cluster.js";
import { CrdSchemas } from "../../src/kube/crd-schemas.js";
import { DryRunCache } from "../../src/kube/dryrun-cache.js";
import { gadgetCrd } from "../helpers/crd.js";
import { kubectlWithInput as kubectl, kubeTest } from "../helpers/kube.js";

const desired = (object: KubeObject, document: number): DesiredObject => ({
  ref: {
    apiVersion: object.apiVersion,
    kind: object.kind,
    name: object.metadata.name,
    ...(object.metadata.namespace ? { namespace: object.metadata.namespace } : {}),
  },
  object,
  source: { type: "file", path: "inline.yaml", document },
});

const deployment: KubeObject = {
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "backend", labels: { app: "backend" } },
  spec: {
    replicas: 2,
    selector: { matchLabels: { app: "backend" } },
    template: {
      metadata: { labels: { app: "backend" } },
      spec: { containers: [{ name: "backend", image: "nginx:1.27" }] },
    },
  },
};
const configMap: KubeObject = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "settings" }, data: { A: "1" } };

kubeTest("server mode: client first, a dry-run only to confirm a difference, none twice", async ({ namespace }) => {
  kubectl(
    ["apply", "--server-side", "--field-manager=confighub", "-f", "-", `--namespace=${namespace}`],
    [deployment, configMap].map((o) => JSON.stringify(o)).join("\n---\n"),
  );
  const cluster = loadCluster({ kubeconfig: inject("kubeconfig") });
  const snapshot = { objects: [desired(deployment, 1), desired(configMap, 2)], errors: [], version: "v" };
  const cache = new DryRunCache<KubeObject | null>();
  const writes = () => (cluster.client.stats.byMethod.PATCH ?? 0) + (cluster.client.stats.byMethod.POST ?? 0);
  try {
    // In sync by client rules: no dry-run at all.
    let before = writes();
    const first = await detect(snapshot, cluster, { mode: "server", namespace, cache });
    expect(first.map((r) => r.status)).toEqual(["InSync", "InSync"]);
    expect(writes() - before).toBe(0);

    // Every object dry-run: an SSA dry-run each, a dry-run create only for the Deployment (its live holds defaults).
    before = writes();
    const full = await detect(snapshot, cluster, { mode: "server", namespace, cache, clientFirst: false });
    expect(full).toEqual(first);
    expect(writes() - before).toBe(3);

    // A hand change: the Deployment differs by client rules, so the server confirms it; the ConfigMap costs nothing.
    kubectl(["scale", "deployment/backend", "--replicas=4", `--namespace=${namespace}`]);
    before = writes();
    const third = await detect(snapshot, cluster, { mode: "server", namespace, cache });
    expect(third.map((r) => r.status)).toEqual(["Drifted", "InSync"]);
    expect(writes() - before).toBe(1); // the new live needs a new apply dry-run; its defaults are still known

    before = writes();
    expect(await detect(snapshot, cluster, { mode: "server", namespace, cache })).toEqual(third);
    expect(writes() - before).toBe(0);
  } finally {
    await cluster.client.close();
  }
});

kubeTest(
  "namespaces: --namespace fills in, cluster-scoped objects drop theirs, duplicates are errors",
  async ({ namespace }) => {
    const role: KubeObject = {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRole",
      metadata: { name: `reader-${namespace}`, namespace: "ignored" },
      rules: [{ apiGroups: [""], resources: ["configmaps"], verbs: ["get"] }],
    };
    const { namespace: _ns, ...roleMeta } = role.metadata;
    kubectl(
      ["apply", "--server-side", "--field-manager=confighub", "-f", "-", `--namespace=${namespace}`],
      [configMap, { ...role, metadata: roleMeta }].map((o) => JSON.stringify(o)).join("\n---\n"),
    );
    const cluster = loadCluster({ kubeconfig: inject("kubeconfig") });
    try {
      const snapshot = {
        objects: [desired(configMap, 1), desired(role, 2), desired(configMap, 3)],
        errors: [
          {
            source: { type: "file" as const, path: "inline.yaml", document: 4 },
            error: "inline.yaml document 4: missing kind",
          },
        ],
        version: "v",
      };
      for (const mode of ["server", "client"] as const) {
        const results = await detect(snapshot, cluster, { mode, namespace });
        expect(results.map((r) => [r.ref.kind, r.ref.namespace, r.status])).toEqual([
          ["ConfigMap", namespace, "InSync"],
          ["ClusterRole", undefined, "InSync"],
          ["ConfigMap", namespace, "Error"],
          ["", undefined, "Error"],
        ]);
        expect(results[2]!.error).toBe(
          "ConfigMap/settings is declared more than once (first in inline.yaml document 1)",
        );
        expect(results[3]!.error).toBe("inline.yaml document 4: missing kind");
      }
      // The sandbox's admin may patch everything: auto picks server mode.
      expect(
        (await resolveMode(cluster, "auto", async () => [{ group: "", resource: "configmaps", namespace }])).mode,
      ).toBe("server");
    } finally {
      kubectl(["delete", "clusterrole", role.metadata.name, "--ignore-not-found"]);
      await cluster.client.close();
    }
  },
);

kubeTest(
  "client mode: a custom resource created by hand is in sync through its CRD's schema, read once per run",
  async ({ namespace }) => {
    const group = `${namespace}.detect.example.com`;
    const crd = gadgetCrd(group);
    const gadget = (name: string): KubeObject => ({
      apiVersion: `${group}/v1`,
      kind: "Gadget",
      metadata: { name, namespace },
      spec: { color: "blue", ports: [{ name: "http", port: 80 }] },
    });
    kubectl(["apply", "--server-side", "-f", "-"], JSON.stringify(crd));
    const cluster = loadCluster({ kubeconfig: inject("kubeconfig") });
    try {
      kubectl(["wait", "--for=condition=Established", `crd/gadgets.${group}`, "--timeout=30s"]);
      // Created by hand: kubectl create owns every field it sent after defaulting, schema defaults included.
      kubectl(["create", "-f", "-"], [gadget("g1"), gadget("g2")].map((o) => JSON.stringify(o)).join("\n---\n"));
      const snapshot = {
        objects: [
          desired(gadget("g1"), 1),
          desired(gadget("g2"), 2),
          desired({ ...configMap, metadata: { name: "c", namespace } }, 3),
        ],
        errors: [],
        version: "v",
      };
      kubectl(["create", "-f", "-"], JSON.stringify(snapshot.objects[2]!.object));

      const crdSchemas = new CrdSchemas(cluster.client);
      const results = await detect(snapshot, cluster, { mode: "client", namespace, crdSchemas });
      expect(results.map((r) => [r.ref.name, r.status, r.changes.map((c) => c.path)])).toEqual([
        ["g1", "InSync", []],
        ["g2", "InSync", []],
        ["c", "InSync", []],
      ]);
      expect(crdSchemas.stats.fetches).toBe(1); // one CRD, two objects; the ConfigMap's built-in group costs none

      // Without the schema the defaults owned by kubectl-create would look like drift: the schema is what decides.
      class NoSchemas extends CrdSchemas {
        override async schemaFor(): Promise<undefined> {
          return undefined;
        }
      }
      const blind = await detect(snapshot, cluster, {
        mode: "client",
        namespace,
        crdSchemas: new NoSchemas(cluster.client),
      });
      expect(blind[0]!.changes.map((c) => c.path).sort()).toEqual(["/spec/ports/0/protocol", "/spec/size"]);

      // A declared field edited by hand is still drift.
      kubectl([
        "patch",
        `gadgets.${group}`,
        "g2",
        "--type=merge",
        "-p",
        '{"spec":{"color":"red"}}',
        `--namespace=${namespace}`,
      ]);
      const after = await detect(snapshot, cluster, { mode: "client", namespace, crdSchemas });
      expect(after[1]!.changes.map((c) => [c.path, c.desired, c.live])).toEqual([["/spec/color", "blue", "red"]]);
      expect(crdSchemas.stats.fetches).toBe(1);
      crdSchemas.refresh();
      await detect(snapshot, cluster, { mode: "client", namespace, crdSchemas });
      expect(crdSchemas.stats.fetches).toBe(2);
    } finally {
      kubectl(["delete", "crd", `gadgets.${group}`, "--ignore-not-found", "--wait=false"]);
      await cluster.client.close();
    }
  },
);

// detect() against the real sandbox: the server-mode dry-run cache, namespace resolution, duplicates, auto mode.
import { spawnSync } from "node:child_process";
import { expect, inject } from "vitest";
import { detect } from "../../src/detector/detect.js";
import { resolveMode } from "../../src/detector/mode.js";
import type { DesiredObject, KubeObject } from "../../src/drift/types.js";
import { loadCluster } from "../../src/kube/cluster.js";
import { DryRunCache } from "../../src/kube/dryrun-cache.js";
import { kubectlPath, kubeTest } from "../helpers/kube.js";

function kubectl(args: string[], stdin?: string) {
  const r = spawnSync(kubectlPath(), [...args, `--kubeconfig=${inject("kubeconfig")}`], { input: stdin });
  if (r.status !== 0) throw new Error(`kubectl ${args.join(" ")}: ${r.stderr}`);
}

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

kubeTest("server mode: an unchanged object costs no dry-run request the second time", async ({ namespace }) => {
  kubectl(
    ["apply", "--server-side", "--field-manager=confighub", "-f", "-", `--namespace=${namespace}`],
    [deployment, configMap].map((o) => JSON.stringify(o)).join("\n---\n"),
  );
  const cluster = loadCluster({ kubeconfig: inject("kubeconfig") });
  const snapshot = { objects: [desired(deployment, 1), desired(configMap, 2)], errors: [], version: "v" };
  const cache = new DryRunCache<KubeObject | null>();
  const writes = () => (cluster.client.stats.byMethod.PATCH ?? 0) + (cluster.client.stats.byMethod.POST ?? 0);
  try {
    let before = writes();
    const first = await detect(snapshot, cluster, { mode: "server", namespace, cache });
    expect(first.map((r) => r.status)).toEqual(["InSync", "InSync"]);
    expect(writes() - before).toBe(4); // an SSA dry-run and a dry-run create per object

    before = writes();
    const second = await detect(snapshot, cluster, { mode: "server", namespace, cache });
    expect(second).toEqual(first);
    expect(writes() - before).toBe(0);

    // A changed live object (new resourceVersion) needs a new apply dry-run; its defaults are still known.
    kubectl(["scale", "deployment/backend", "--replicas=4", `--namespace=${namespace}`]);
    before = writes();
    const third = await detect(snapshot, cluster, { mode: "server", namespace, cache });
    expect(third.map((r) => r.status)).toEqual(["Drifted", "InSync"]);
    expect(writes() - before).toBe(1);
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
      expect((await resolveMode(cluster, "auto", namespace)).mode).toBe("server");
    } finally {
      kubectl(["delete", "clusterrole", role.metadata.name, "--ignore-not-found"]);
      await cluster.client.close();
    }
  },
);

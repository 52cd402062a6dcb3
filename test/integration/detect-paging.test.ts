// detect() reads many objects of a kind in a namespace with paged LISTs: every page is followed (continue tokens)
// and the results equal those of one GET per object, in both modes.
import { expect, inject } from "vitest";
import { detect } from "../../src/detection/detect.js";
import type { DesiredObject, KubeObject } from "../../src/drift/types.js";
import { loadCluster } from "../../src/kube/cluster.js";
import { CrdSchemas } from "../../src/kube/crd-schemas.js";
import { Discovery } from "../../src/kube/discovery.js";
import { PublishedSchemas } from "../../src/kube/openapi-schemas.js";
import { kubectlWithInput as kubectl, kubeTest } from "../helpers/kube.js";

const configMap = (i: number): KubeObject => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name: `settings-${i}` },
  data: { N: String(i) },
});

const desired = (object: KubeObject, namespace: string, document: number): DesiredObject => ({
  ref: { apiVersion: "v1", kind: "ConfigMap", name: object.metadata.name, namespace },
  object: { ...object, metadata: { ...object.metadata, namespace } },
  source: { type: "file", path: "inline.yaml", document },
});

kubeTest("paged LISTs follow continue tokens and match the GET path, both modes", async ({ namespace }) => {
  const objects = Array.from({ length: 13 }, (_, i) => configMap(i));
  // 11 applied (3 pages of 5), 2 absent; one changed by hand.
  kubectl(
    ["apply", "--server-side", "--field-manager=confighub", "-f", "-", `--namespace=${namespace}`],
    objects
      .slice(0, 11)
      .map((o) => JSON.stringify(o))
      .join("\n---\n"),
  );
  kubectl([
    "patch",
    "configmap/settings-3",
    "--type=merge",
    "-p",
    '{"data":{"N":"changed"}}',
    `--namespace=${namespace}`,
  ]);
  const cluster = loadCluster({ kubeconfig: inject("kubeconfig") });
  const shared = {
    namespace,
    discovery: new Discovery(cluster.client),
    crdSchemas: new CrdSchemas(cluster.client),
    publishedSchemas: new PublishedSchemas(cluster.client),
  };
  const snapshot = { objects: objects.map((o, i) => desired(o, namespace, i + 1)), errors: [], version: "v" };
  const gets = () => cluster.client.stats.byMethod.GET ?? 0;
  try {
    for (const mode of ["client", "server"] as const) {
      const viaGets = await detect(snapshot, cluster, { ...shared, mode, paging: { minObjects: 1000 } });
      expect(viaGets.filter((r) => r.status === "InSync")).toHaveLength(10);
      expect(viaGets.find((r) => r.ref.name === "settings-3")?.status).toBe("Drifted");
      expect(viaGets.filter((r) => r.status === "Missing")).toHaveLength(2);

      const before = gets();
      const viaLists = await detect(snapshot, cluster, { ...shared, mode, paging: { minObjects: 2, pageSize: 5 } });
      expect(viaLists).toEqual(viaGets);
      expect(gets() - before).toBe(3); // three pages, no GET per object
    }
  } finally {
    await cluster.client.close();
  }
});

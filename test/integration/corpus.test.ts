// The real-manifest corpus (test/corpus/): public manifests of widely used projects, applied server-side,
// client-side and with kubectl create, checked in both modes in sync, after hand changes and after undoing them.
// No false drift and no miss in any cell; the matrix is printed for the record.
import { expect, inject, it } from "vitest";
import { loadCluster } from "../../src/kube/cluster.js";
import { loadCorpus, renderMatrix, renderProblems, runMatrix } from "../corpus/matrix.js";
import { kubectlPath } from "../helpers/kube.js";

it("corpus: no false drift and no missed hand change, whichever way the objects were applied", {
  timeout: 900_000,
}, async () => {
  const kubeconfig = inject("kubeconfig");
  const cluster = loadCluster({ kubeconfig });
  try {
    const cells = await runMatrix(loadCorpus(), { cluster, kubeconfig, kubectl: kubectlPath() });
    process.stdout.write(`${renderMatrix(cells)}\n`);
    expect(cells).toHaveLength(loadCorpus().length * 6);
    expect(renderProblems(cells)).toBe("");
  } finally {
    await cluster.client.close();
  }
});

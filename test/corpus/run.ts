// Prints the corpus matrix against a running cluster: npx tsx test/corpus/run.ts KUBECONFIG [KUBECTL]
// (CORPUS_SETS=a,b runs only those sets)
import { loadCluster } from "../../src/kube/cluster.js";
import { loadCorpus, renderMatrix, renderProblems, runMatrix } from "./matrix.js";

const [kubeconfig, kubectl = "kubectl"] = process.argv.slice(2);
if (!kubeconfig) throw new Error("usage: run.ts KUBECONFIG [KUBECTL]");
const cluster = loadCluster({ kubeconfig });
try {
  const only = process.env.CORPUS_SETS?.split(",");
  const sets = loadCorpus().filter((s) => !only || only.includes(s.name));
  const cells = await runMatrix(sets, { cluster, kubeconfig, kubectl, log: (l) => console.error(l) });
  console.log(renderMatrix(cells));
  console.log(renderProblems(cells));
} finally {
  await cluster.client.close();
}

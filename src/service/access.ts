// The reviewer of API tokens: the cluster the detector runs in (the kubeconfig's context, in a pod its own service
// account), whose TokenReview and SubjectAccessReview decide who may read and act. Its client opens on first use.
import type { Shutdown } from "../app/shutdown.js";
import { KubeAccessReviewer } from "../kube/access-review.js";
import { type Cluster, loadCluster } from "../kube/cluster.js";
import type { RunSettings } from "./settings.js";

export function homeReviewer(settings: RunSettings, env: NodeJS.ProcessEnv, shutdown: Shutdown): KubeAccessReviewer {
  let cluster: Cluster | undefined;
  shutdown.add("close the access reviewer's client", async () => cluster?.client.close());
  return new KubeAccessReviewer(() => {
    cluster ??= loadCluster({ kubeconfig: settings.kubeconfig, context: settings.context, env });
    return cluster.client;
  });
}

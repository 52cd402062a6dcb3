// Which cluster we talk to and as whom: the kubeconfig resolution every command shares
// (--kubeconfig, then KUBECONFIG, then in-cluster, then ~/.kube/config), plus a reachability check that turns
// an unreachable or unauthorized cluster into one line naming the server.
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { KubeConfig } from "@kubernetes/client-node";
import { KubeClient } from "./client.js";
import { ClusterUnauthorizedError, KubeApiError, KubeConfigError } from "./errors.js";

export interface ClusterOptions {
  /** Path of a kubeconfig file (`--kubeconfig`); wins over KUBECONFIG. */
  kubeconfig?: string;
  /** Context name (`--context`); default: the kubeconfig's current context. */
  context?: string;
  /** Environment to read KUBECONFIG / in-cluster variables from (tests). */
  env?: NodeJS.ProcessEnv;
}

export interface Cluster {
  readonly kubeConfig: KubeConfig;
  readonly client: KubeClient;
  /** API server URL, for messages. */
  readonly server: string;
  readonly contextName: string;
  /** Namespace of the context (or the pod's namespace in-cluster); undefined when the context names none. */
  readonly namespace: string | undefined;
  /** Where the configuration came from, for messages. */
  readonly origin: string;
}

const SERVICE_ACCOUNT_TOKEN = "/var/run/secrets/kubernetes.io/serviceaccount/token";

export function loadCluster(opts: ClusterOptions = {}): Cluster {
  const env = opts.env ?? process.env;
  const kc = new KubeConfig();
  let origin: string;
  try {
    if (opts.kubeconfig) {
      if (!existsSync(opts.kubeconfig)) throw new KubeConfigError(`kubeconfig ${opts.kubeconfig} does not exist`);
      kc.loadFromFile(opts.kubeconfig);
      origin = opts.kubeconfig;
    } else if (env.KUBECONFIG) {
      const files = env.KUBECONFIG.split(process.platform === "win32" ? ";" : ":").filter(Boolean);
      const present = files.filter((f) => existsSync(f));
      if (present.length === 0) throw new KubeConfigError(`KUBECONFIG names no existing file (${env.KUBECONFIG})`);
      kc.loadFromFile(present[0]!);
      for (const file of present.slice(1)) {
        const more = new KubeConfig();
        more.loadFromFile(file);
        kc.mergeConfig(more, true);
      }
      origin = `KUBECONFIG=${env.KUBECONFIG}`;
    } else if (env.KUBERNETES_SERVICE_HOST && existsSync(SERVICE_ACCOUNT_TOKEN)) {
      kc.loadFromCluster();
      origin = "in-cluster service account";
    } else {
      const home = join(env.HOME ?? homedir(), ".kube", "config");
      if (!existsSync(home)) {
        throw new KubeConfigError(
          "no cluster configured: pass --kubeconfig, set KUBECONFIG, or create ~/.kube/config (in a pod the service account is used)",
        );
      }
      kc.loadFromFile(home);
      origin = home;
    }
  } catch (err) {
    if (err instanceof KubeConfigError) throw err;
    throw new KubeConfigError(`cannot load kubeconfig: ${(err as Error).message.split("\n")[0]}`);
  }

  if (opts.context) {
    if (!kc.getContextObject(opts.context)) {
      const known = kc.getContexts().map((c) => c.name);
      throw new KubeConfigError(
        `context ${opts.context} not found in ${origin}${known.length ? ` (contexts: ${known.join(", ")})` : ""}`,
      );
    }
    kc.setCurrentContext(opts.context);
  }
  const contextName = kc.getCurrentContext();
  const context = kc.getContextObject(contextName);
  if (!context) throw new KubeConfigError(`${origin} has no current context; pass --context`);
  const clusterEntry = kc.getCurrentCluster();
  if (!clusterEntry?.server) throw new KubeConfigError(`context ${contextName} in ${origin} names no cluster server`);

  const client = new KubeClient(kc);
  return {
    kubeConfig: kc,
    client,
    server: client.server,
    contextName,
    namespace: context.namespace?.trim() || undefined,
    origin,
  };
}

/**
 * One cheap request (GET /api, which every authenticated user may read) to fail fast with one line when the
 * cluster is unreachable or refuses us, instead of one error per object.
 */
export async function verifyCluster(cluster: Cluster): Promise<void> {
  try {
    await cluster.client.request({ method: "GET", path: "/api" });
  } catch (err) {
    if (err instanceof KubeApiError && err.status === 403) {
      throw new ClusterUnauthorizedError(cluster.server, 403, err.message);
    }
    throw err;
  }
}

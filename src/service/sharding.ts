// DRIFT_SHARDING: the shard coordinator of this replica (src/sharding/), its member Lease on the first watched
// cluster, next to the shards' own Leases.
import { hostname } from "node:os";
import type { Logger } from "pino";
import type { Registry } from "prom-client";
import type { Shutdown } from "../app/shutdown.js";
import type { ResourceResult } from "../drift/types.js";
import { loadCluster } from "../kube/cluster.js";
import { errorMessage } from "../lib/errors.js";
import type { Remediator } from "../remediation/types.js";
import { FORWARDED_HEADER } from "../server/routes/drifts.js";
import { ShardCoordinator } from "../sharding/coordinator.js";
import type { ClusterContext } from "./cluster.js";
import type { ServiceRemediation, WatchedCluster } from "./remediation.js";
import { forwardingRemediator } from "./remediation-forward.js";
import { clusterSpecs, type RunSettings, shardingOn } from "./settings.js";

export interface ShardingOptions {
  settings: RunSettings;
  env: NodeJS.ProcessEnv;
  identity: string;
  logger: Logger;
  registry: Registry;
  shutdown: Shutdown;
  tuning?: ClusterContext["tuning"];
}

export function startSharding(opts: ShardingOptions): ShardCoordinator | undefined {
  const { settings, env } = opts;
  if (!shardingOn(settings)) return undefined;
  const first = clusterSpecs(settings)[0];
  const cluster = loadCluster({ kubeconfig: settings.kubeconfig, context: first?.context, env });
  opts.shutdown.add("close the membership client", () => cluster.client.close());
  opts.logger.info({ identity: opts.identity }, "sharding: the sources are shared among the replicas");
  return new ShardCoordinator({
    client: cluster.client,
    namespace: settings.leaseNamespace ?? cluster.namespace ?? "default",
    group: settings.leaseName,
    identity: opts.identity,
    leaseDurationMs: settings.leaseDuration,
    retryPeriodMs: opts.tuning?.leaseRetryMs,
    logger: opts.logger,
    registry: opts.registry,
  });
}

/** The API's remediator: with sharding, an action on a shard owned elsewhere goes to its owner. */
export function shardedRemediator(
  sharding: ShardCoordinator | undefined,
  remediation: ServiceRemediation,
  clusters: () => WatchedCluster[],
  apiToken: string | undefined,
): Remediator | undefined {
  const local = remediation.remediator;
  if (!sharding || !local) return local;
  return forwardingRemediator({
    local,
    coordinator: sharding,
    clusters,
    record: (id) => remediation.findRecord(id),
    apiToken,
  });
}

/** Where the other replicas reach this one's API: the pod's IP (POD_IP, from the downward API) or the listen address. */
export function advertisedUrl(address: string, env: NodeJS.ProcessEnv): string {
  const url = new URL(address);
  if (env.POD_IP) url.hostname = env.POD_IP.includes(":") ? `[${env.POD_IP}]` : env.POD_IP;
  else if (url.hostname === "0.0.0.0" || url.hostname === "[::]") url.hostname = hostname();
  return url.origin;
}

type Verdicts = Array<{ cluster: string; result: ResourceResult }>;

/** The latest verdicts of the shards the other replicas own, from their APIs (one GET each, in parallel). */
export function peerResources(
  sharding: ShardCoordinator,
  logger: Logger,
): () => Promise<{ items: Verdicts; unreachable: string[] }> {
  return async () => {
    const unreachable: string[] = [];
    const answers = await Promise.all(
      sharding.peers().map(async (peer) => {
        try {
          const res = await fetch(`${peer.address}/api/resources`, {
            headers: { [FORWARDED_HEADER]: "1" },
            signal: AbortSignal.timeout(10_000),
          });
          if (!res.ok) throw new Error(`HTTP ${res.status}`);
          const body = (await res.json()) as { items: Array<ResourceResult & { cluster: string }> };
          return body.items.map(({ cluster, ...result }) => ({ cluster, result: result as ResourceResult }));
        } catch (err) {
          logger.warn({ replica: peer.identity, err: errorMessage(err) }, "a replica did not answer for its shards");
          unreachable.push(peer.identity);
          return [];
        }
      }),
    );
    return { items: answers.flat(), unreachable };
  };
}

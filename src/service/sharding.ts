// DRIFT_SHARDING: the shard coordinator of this replica (src/sharding/), its member Lease on the first watched
// cluster, next to the shards' own Leases.
import type { Logger } from "pino";
import type { Registry } from "prom-client";
import type { Shutdown } from "../app/shutdown.js";
import { loadCluster } from "../kube/cluster.js";
import { ShardCoordinator } from "../sharding/coordinator.js";
import type { ClusterContext } from "./cluster.js";
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

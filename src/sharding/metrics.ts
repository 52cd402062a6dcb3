// The sharding metrics of one replica (each replica exports its own; Prometheus adds the pod).
import { Counter, Gauge, type Registry } from "prom-client";

export class ShardMetrics {
  readonly owned: Gauge;
  readonly shardOwned: Gauge<"shard">;
  readonly members: Gauge;
  readonly rebalances: Counter;

  constructor(registry: Registry) {
    const registers = [registry];
    this.owned = new Gauge({ name: "drift_detector_owned_shards", help: "Shards this replica owns now", registers });
    this.shardOwned = new Gauge({
      name: "drift_detector_shard_owned",
      help: "1 for each shard this replica owns now (its fencing Lease held), 0 for the others",
      labelNames: ["shard"],
      registers,
    });
    this.members = new Gauge({
      name: "drift_detector_shard_members",
      help: "Live replicas sharing the shards, as this replica sees them",
      registers,
    });
    this.rebalances = new Counter({
      name: "drift_detector_shard_rebalances_total",
      help: "Times this replica saw the assignment of shards change (a replica joined or left)",
      registers,
    });
  }
}

// Scale-out: the replicas share the shards. Every retry period this replica heartbeats its member Lease, reads the
// live members, and assigns the shards (./assignment.ts, the same answer on every replica); each shard's fencing
// Lease (kube/leader.ts) is then acquired only by the replica it is assigned to, and handed back by the others. The
// shard's detector and informers start and stop with that Lease (service/cluster.ts), so a replica stops acting on a
// shard before its Lease can expire, whatever the assignment says.
import type { Logger } from "pino";
import type { Registry } from "prom-client";
import type { KubeClient } from "../kube/client.js";
import type { LeaderElector } from "../kube/leader.js";
import { assignShards, movedShards } from "./assignment.js";
import { type Member, Membership } from "./membership.js";
import { ShardMetrics } from "./metrics.js";

export interface ShardCoordinatorOptions {
  /** Where the member Leases live: the first watched cluster. */
  client: KubeClient;
  namespace: string;
  group: string;
  identity: string;
  leaseDurationMs: number;
  /** How often to heartbeat and read the members; default the leader election's retry period. */
  retryPeriodMs?: number;
  logger: Logger;
  registry: Registry;
}

export class ShardCoordinator {
  private readonly electors = new Map<string, LeaderElector>();
  /** Per cluster: the Lease of replicas without sharding, observed only (see `gate`). */
  private readonly guards = new Map<string, { elector: LeaderElector; blocked: boolean }>();
  private readonly membership: Membership;
  private readonly metrics: ShardMetrics;
  private readonly retryMs: number;
  private assignment = new Map<string, string>();
  private members: Member[] = [];
  private address: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | undefined;
  private stopped = false;
  private reads = 0;
  private failing = false;

  constructor(private readonly opts: ShardCoordinatorOptions) {
    this.membership = new Membership(opts);
    this.metrics = new ShardMetrics(opts.registry);
    this.retryMs = opts.retryPeriodMs ?? Math.min(2000, opts.leaseDurationMs / 5);
  }

  /** A shard and its fencing Lease's elector (made with `mayAcquire: coordinator.gate(key, …)`). */
  add(key: string, elector: LeaderElector): void {
    this.electors.set(key, elector);
    this.metrics.shardOwned.set({ shard: key }, 0);
  }

  assignedHere(key: string): boolean {
    return this.assignment.get(key) === this.opts.identity;
  }

  /**
   * The `mayAcquire` of a shard's elector: assigned here, and no replica without sharding (an older version during
   * a rolling upgrade, or DRIFT_SHARDING=off) holds the cluster's per-cluster Lease. That Lease is observed by
   * `observer` (one per cluster, never acquiring), so old and new replicas never both detect a cluster.
   */
  gate(key: string, cluster: string, observer: () => LeaderElector): () => boolean {
    let g = this.guards.get(cluster);
    if (!g) {
      g = { elector: observer(), blocked: false };
      this.guards.set(cluster, g);
    }
    const guard = g.elector;
    return () => this.assignedHere(key) && !guard.heldByOther();
  }

  /** The shards whose Lease this replica holds now. */
  owned(): string[] {
    return [...this.electors].filter(([, e]) => e.isLeader).map(([k]) => k);
  }

  /** This replica's API, for the others to forward remediation to (announced from the next heartbeat on). */
  advertise(address: string): void {
    this.address = address;
  }

  /** The other replica holding the shard's Lease, as its last heartbeat said. */
  holderOf(key: string): Member | undefined {
    return this.members.find((m) => m.identity !== this.opts.identity && m.shards.includes(key));
  }

  /** The other live replicas that announced an address. */
  peers(): Array<Member & { address: string }> {
    return this.members.filter(
      (m): m is Member & { address: string } => m.identity !== this.opts.identity && m.address !== undefined,
    );
  }

  /** Joins the group; the electors start observing their Leases at once and acquire what is assigned here. */
  start(): void {
    this.stopped = false;
    for (const g of this.guards.values()) g.elector.start();
    for (const e of this.electors.values()) e.start();
    this.tick();
  }

  private tick = (): void => {
    if (this.stopped) return;
    this.inFlight = this.refresh()
      .then(() => {
        this.failing = false;
      })
      .catch((err) => {
        // The shards' own Leases fence what this replica does meanwhile; the assignment stays as last read.
        if (!this.failing) this.opts.logger.warn({ err: String(err) }, "cannot read the replicas; assignment kept");
        this.failing = true;
      })
      .finally(() => {
        this.inFlight = undefined;
        if (this.stopped) return;
        this.timer = setTimeout(this.tick, this.retryMs);
        this.timer.unref();
      });
  };

  private async refresh(): Promise<void> {
    const members = await this.membership.refresh(this.owned(), this.address, AbortSignal.timeout(this.retryMs * 2));
    this.members = members;
    this.warnBlocked();
    // Replicas started together see each other from their second read on: assigning at the first would have
    // each take every shard and hand most back a moment later.
    if (this.reads++ === 0) return;
    const held = new Map<string, string>();
    for (const m of members) for (const s of m.shards) if (!held.has(s)) held.set(s, m.identity);
    const next = assignShards(
      [...this.electors.keys()],
      members.map((m) => m.identity),
      held,
    );
    this.metrics.members.set(members.length);
    const moved = movedShards(this.assignment, next);
    const first = this.assignment.size === 0;
    this.assignment = next;
    this.updateGauges();
    if (moved.length === 0) return;
    if (!first) this.metrics.rebalances.inc();
    this.opts.logger.info(
      {
        members: members.map((m) => m.identity).sort(),
        assigned: [...next].filter(([, m]) => m === this.opts.identity).map(([s]) => s),
        moved: first ? 0 : moved.length,
      },
      "shards assigned",
    );
    // Who lost a shard hands its Lease back now; who gained one tries now (and again every retry period).
    for (const key of moved) this.electors.get(key)?.poke();
  }

  /** An elector won or lost its Lease. */
  ownershipChanged(): void {
    this.updateGauges();
  }

  private warnBlocked(): void {
    for (const [cluster, g] of this.guards) {
      const blocked = g.elector.heldByOther();
      if (blocked && !g.blocked) {
        this.opts.logger.warn(
          { cluster },
          "a replica without sharding leads this cluster: its shards wait until it stops",
        );
      }
      g.blocked = blocked;
    }
  }

  private updateGauges(): void {
    const owned = new Set(this.owned());
    this.metrics.owned.set(owned.size);
    for (const key of this.electors.keys()) this.metrics.shardOwned.set({ shard: key }, owned.has(key) ? 1 : 0);
  }

  /** Leaves the group (the Leases are released by the service's shutdown, which stops the electors). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.inFlight;
    await Promise.all([...this.guards.values()].map((g) => g.elector.stop()));
    await this.membership.leave();
    this.metrics.owned.set(0);
  }
}

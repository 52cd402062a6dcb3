// Leader election on a coordination.k8s.io/v1 Lease, with client-go's semantics: a lease is taken over only after
// this process has seen it unchanged for a whole lease duration (local clock, so clock skew between replicas does
// not matter), or at once when its holder released it. Optimistic concurrency (resourceVersion) decides races.
// client-go's timings: lease 15 s, renew deadline 10 s, retry 2 s (scaled alike for other lease durations). Each
// attempt gives up well within the renew deadline, and a leader that has not renewed for the renew deadline stops
// leading on a timer of its own, whatever its requests are doing: so it has stopped before anyone may take over.

import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import type { Logger } from "pino";
import type { KubeClient } from "./client.js";
import { KubeApiError } from "./errors.js";

export interface LeaseRecord {
  apiVersion: "coordination.k8s.io/v1";
  kind: "Lease";
  metadata: { name: string; namespace: string; resourceVersion?: string; labels?: Record<string, string> };
  spec: {
    holderIdentity?: string | null;
    leaseDurationSeconds?: number;
    acquireTime?: string | null;
    renewTime?: string | null;
    leaseTransitions?: number;
  };
}

export interface LeaderElectionOptions {
  client: KubeClient;
  namespace: string;
  name: string;
  identity: string;
  leaseDurationMs: number;
  /** How often to try to acquire or renew; default 2 s (client-go's), at most a fifth of the lease duration. */
  retryPeriodMs?: number;
  /** A leader that could not renew for this long steps down (before others may take over); default ⅔ of the lease. */
  renewDeadlineMs?: number;
  logger: Logger;
  onChange?: (leading: boolean) => void;
  /** Whether the last lease attempt reached the apiserver (called on each change): a follower's readiness. */
  onReachability?: (reachable: boolean) => void;
  /**
   * Whether this replica may hold the lease now (sharding: the shard is assigned here). While false it only
   * observes the lease (so that it can take over in time once allowed) and hands it back if it holds it.
   */
  mayAcquire?: () => boolean;
}

/** `POD_NAME` (or the hostname) plus a random suffix, so two processes on one host never share an identity. */
export function defaultIdentity(env: NodeJS.ProcessEnv = process.env): string {
  return `${env.POD_NAME || hostname()}_${randomBytes(4).toString("hex")}`;
}

function microTime(d = new Date()): string {
  return d.toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");
}

export class LeaderElector {
  private leading = false;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private observed: { key: string; at: number } | undefined;
  private lastRenew = 0;
  private current: LeaseRecord | undefined;
  private readonly retryMs: number;
  private readonly renewDeadlineMs: number;
  private inFlight: Promise<void> | undefined;
  private reachable = true;
  private deadline: NodeJS.Timeout | undefined;
  /** Whether another live replica held the lease at the last look; true until the first look succeeds. */
  private otherHolds = true;
  /** One attempt (GET and PUT) is abandoned after this long: half the renew deadline. */
  private readonly attemptTimeoutMs: number;

  constructor(private readonly opts: LeaderElectionOptions) {
    this.retryMs = opts.retryPeriodMs ?? Math.min(2000, opts.leaseDurationMs / 5);
    this.renewDeadlineMs = opts.renewDeadlineMs ?? (opts.leaseDurationMs * 2) / 3;
    this.attemptTimeoutMs = this.renewDeadlineMs / 2;
  }

  get isLeader(): boolean {
    return this.leading;
  }

  /**
   * The fence for what only the leader may do (announce, remediate): leading, with a renewal recent enough that no
   * other replica can have taken the lease over.
   */
  holdsLease(): boolean {
    return this.leading && Date.now() - this.lastRenew < this.renewDeadlineMs && this.allowed();
  }

  private allowed(): boolean {
    return this.opts.mayAcquire?.() ?? true;
  }

  /** Another replica holds the lease (or it was not read yet): an observer (`mayAcquire` false) must keep off. */
  heldByOther(): boolean {
    return this.otherHolds;
  }

  /** Tries now rather than at the next retry (the assignment changed). */
  poke(): void {
    if (this.stopped || this.inFlight) return;
    clearTimeout(this.timer);
    this.tick();
  }

  get identity(): string {
    return this.opts.identity;
  }

  private get path(): string {
    return `/apis/coordination.k8s.io/v1/namespaces/${this.opts.namespace}/leases`;
  }

  start(): void {
    this.stopped = false;
    this.tick();
  }

  private tick = (): void => {
    if (this.stopped) return;
    this.inFlight = this.tryAcquireOrRenew(AbortSignal.timeout(this.attemptTimeoutMs))
      .then(() => this.setReachable(true))
      .catch((err) => {
        this.opts.logger.debug({ err: String(err) }, "lease attempt failed");
        this.setReachable(false);
      })
      .finally(() => {
        this.inFlight = undefined;
        if (!this.stopped) {
          this.timer = setTimeout(this.tick, this.retryMs);
          this.timer.unref();
        }
      });
  };

  private setReachable(reachable: boolean): void {
    if (reachable === this.reachable) return;
    this.reachable = reachable;
    this.opts.onReachability?.(reachable);
  }

  private setLeading(leading: boolean): void {
    if (leading === this.leading) return;
    this.leading = leading;
    if (!leading) clearTimeout(this.deadline);
    this.opts.logger.info(
      { lease: `${this.opts.namespace}/${this.opts.name}`, identity: this.opts.identity },
      leading ? "became leader" : "stopped leading",
    );
    this.opts.onChange?.(leading);
  }

  private async tryAcquireOrRenew(signal: AbortSignal): Promise<void> {
    const { client, name, identity } = this.opts;
    const now = new Date();
    const durationS = Math.ceil(this.opts.leaseDurationMs / 1000);
    let lease: LeaseRecord | undefined;
    try {
      lease = (await client.request({ method: "GET", path: `${this.path}/${name}`, signal })).body as LeaseRecord;
    } catch (err) {
      if (!(err instanceof KubeApiError && err.status === 404)) throw err;
    }
    if (!lease) {
      this.otherHolds = false;
      if (!this.allowed()) return this.setLeading(false);
      const created = await client.request({
        method: "POST",
        path: this.path,
        signal,
        body: {
          apiVersion: "coordination.k8s.io/v1",
          kind: "Lease",
          metadata: { name, namespace: this.opts.namespace },
          spec: {
            holderIdentity: identity,
            leaseDurationSeconds: durationS,
            acquireTime: microTime(now),
            renewTime: microTime(now),
            leaseTransitions: 0,
          },
        },
      });
      return this.won(created.body as LeaseRecord, now);
    }
    const spec = lease.spec ?? {};
    const key = `${spec.holderIdentity ?? ""}|${spec.renewTime ?? ""}`;
    if (this.observed?.key !== key) this.observed = { key, at: Date.now() };
    const held = Boolean(spec.holderIdentity) && spec.holderIdentity !== identity;
    const expired = Date.now() - this.observed.at > (spec.leaseDurationSeconds ?? durationS) * 1000;
    this.otherHolds = held && !expired;
    if (this.otherHolds) {
      this.setLeading(false);
      return;
    }
    const mine = spec.holderIdentity === identity;
    if (!this.allowed()) {
      this.setLeading(false); // stop acting first, then hand the lease to the replica it is assigned to
      if (mine) await this.release(lease, signal);
      return;
    }
    const next: LeaseRecord = {
      ...lease,
      spec: {
        ...spec,
        holderIdentity: identity,
        leaseDurationSeconds: durationS,
        renewTime: microTime(now),
        acquireTime: mine ? spec.acquireTime : microTime(now),
        leaseTransitions: (spec.leaseTransitions ?? 0) + (mine ? 0 : 1),
      },
    };
    try {
      const updated = await client.request({ method: "PUT", path: `${this.path}/${name}`, body: next, signal });
      this.won(updated.body as LeaseRecord, now);
    } catch (err) {
      // 409: someone else wrote the lease first; they lead, we follow.
      if (err instanceof KubeApiError && err.status === 409) this.setLeading(false);
      else throw err;
    }
  }

  /** `at`: when the attempt began (the lease's renewTime), so the deadline runs out before anyone else's clock. */
  private won(lease: LeaseRecord, at: Date): void {
    this.current = lease;
    this.lastRenew = at.getTime();
    this.observed = { key: `${lease.spec.holderIdentity}|${lease.spec.renewTime}`, at: Date.now() };
    this.setLeading(true);
    clearTimeout(this.deadline);
    this.deadline = setTimeout(
      () => {
        this.opts.logger.warn(
          { lease: `${this.opts.namespace}/${this.opts.name}`, renewDeadlineMs: this.renewDeadlineMs },
          "lease not renewed within the renew deadline",
        );
        this.setLeading(false);
      },
      this.lastRenew + this.renewDeadlineMs - Date.now(),
    );
    this.deadline.unref();
  }

  /** Stops campaigning; a leader hands the lease back so a follower takes over at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.inFlight;
    clearTimeout(this.deadline);
    if (!this.leading || !this.current) return;
    this.setLeading(false);
    try {
      const path = `${this.path}/${this.opts.name}`;
      const signal = AbortSignal.timeout(this.attemptTimeoutMs);
      const lease = (await this.opts.client.request({ method: "GET", path, signal })).body as LeaseRecord;
      if (lease.spec.holderIdentity === this.opts.identity) await this.release(lease, signal);
    } catch (err) {
      this.opts.logger.warn({ err: String(err) }, "could not release the lease; it expires on its own");
    }
  }

  /** Hands the lease back: whoever may take it does so at once. */
  private async release(lease: LeaseRecord, signal: AbortSignal): Promise<void> {
    this.current = undefined;
    await this.opts.client.request({
      method: "PUT",
      path: `${this.path}/${this.opts.name}`,
      signal,
      body: {
        ...lease,
        spec: {
          ...lease.spec,
          holderIdentity: null,
          acquireTime: null,
          renewTime: microTime(),
          leaseDurationSeconds: 1,
        },
      },
    });
  }
}

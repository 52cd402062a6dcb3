// Who the replicas are: each heartbeats a coordination.k8s.io/v1 Lease of its own (labelled with the group), and the
// live members are the Leases renewed within a lease duration. As in leader election, "renewed" is judged on this
// replica's clock (a renewTime seen changing), so clock skew between replicas does not matter; only a Lease seen for
// the first time is judged by its renewTime. Each heartbeat also carries the shards its replica holds now, which the
// assignment uses to move as few as possible.
import type { Logger } from "pino";
import type { KubeClient } from "../kube/client.js";
import { KubeApiError } from "../kube/errors.js";
import type { LeaseRecord } from "../kube/leader.js";

export const GROUP_LABEL = "drift-detector.io/members-of";
export const SHARDS_ANNOTATION = "drift-detector.io/shards";
export const ADDRESS_ANNOTATION = "drift-detector.io/address";

export interface Member {
  identity: string;
  /** The shards it held at its last heartbeat. */
  shards: string[];
  /** Its HTTP API (remediation of its shards is forwarded there). */
  address?: string;
}

export interface MembershipOptions {
  client: KubeClient;
  namespace: string;
  /** The replicas that share work: the base Lease name. */
  group: string;
  identity: string;
  leaseDurationMs: number;
  logger: Logger;
}

interface Observed {
  renewTime: string;
  at: number;
}

/** A replica killed without leaving (SIGKILL, a lost node) leaves its Lease behind: deleted after this many durations. */
const FORGET_AFTER_LEASES = 20;

type MemberLease = LeaseRecord & { metadata: LeaseRecord["metadata"] & { annotations?: Record<string, string> } };

/** A Lease name from the identity: lower case, DNS-1123 characters only. */
export function memberLeaseName(group: string, identity: string): string {
  const id = identity
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/^-+|-+$/g, "");
  return `${group}-member-${id}`.slice(0, 253).replace(/-+$/, "");
}

const microTime = (d: Date) => d.toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");

export class Membership {
  private readonly observed = new Map<string, Observed>();
  private readonly name: string;
  private resourceVersion: string | undefined;

  constructor(private readonly opts: MembershipOptions) {
    this.name = memberLeaseName(opts.group, opts.identity);
  }

  private get path(): string {
    return `/apis/coordination.k8s.io/v1/namespaces/${this.opts.namespace}/leases`;
  }

  /** One heartbeat (our Lease, with the shards we hold) and one LIST: the live members, this replica included. */
  async refresh(held: string[], address: string | undefined, signal: AbortSignal): Promise<Member[]> {
    await this.heartbeat(held, address, signal);
    const list = await this.opts.client.request({
      method: "GET",
      path: this.path,
      query: { labelSelector: `${GROUP_LABEL}=${this.opts.group}` },
      signal,
    });
    const now = Date.now();
    const members: Member[] = [{ identity: this.opts.identity, shards: held, address }];
    const seen = new Set<string>();
    for (const lease of (list.body as { items?: MemberLease[] }).items ?? []) {
      const { name } = lease.metadata;
      const identity = lease.spec.holderIdentity;
      const renewTime = lease.spec.renewTime ?? "";
      seen.add(name);
      let o = this.observed.get(name);
      if (!o || o.renewTime !== renewTime) {
        // First sight: as old as its renewTime says (a dead replica's Lease is not taken for a live one).
        const stamped = Date.parse(renewTime);
        o = { renewTime, at: !o && Number.isFinite(stamped) ? Math.min(now, stamped) : now };
        this.observed.set(name, o);
      }
      const durationMs = (lease.spec.leaseDurationSeconds ?? this.opts.leaseDurationMs / 1000) * 1000;
      if (now - o.at > durationMs * FORGET_AFTER_LEASES) void this.forget(lease, signal);
      if (!identity || identity === this.opts.identity || now - o.at > durationMs) continue;
      const annotations = lease.metadata.annotations ?? {};
      members.push({
        identity,
        shards: parseShards(annotations[SHARDS_ANNOTATION]),
        address: annotations[ADDRESS_ANNOTATION],
      });
    }
    for (const name of this.observed.keys()) if (!seen.has(name)) this.observed.delete(name);
    return members;
  }

  private async heartbeat(held: string[], address: string | undefined, signal: AbortSignal): Promise<void> {
    const { client, identity, group, namespace } = this.opts;
    const body: MemberLease = {
      apiVersion: "coordination.k8s.io/v1",
      kind: "Lease",
      metadata: {
        name: this.name,
        namespace,
        labels: { [GROUP_LABEL]: group },
        annotations: {
          [SHARDS_ANNOTATION]: JSON.stringify([...held].sort()),
          ...(address ? { [ADDRESS_ANNOTATION]: address } : {}),
        },
      },
      spec: {
        holderIdentity: identity,
        leaseDurationSeconds: Math.ceil(this.opts.leaseDurationMs / 1000),
        renewTime: microTime(new Date()),
      },
    };
    const path = `${this.path}/${this.name}`;
    const stored = (res: { body: unknown }) => {
      this.resourceVersion = (res.body as MemberLease).metadata.resourceVersion;
    };
    try {
      if (this.resourceVersion === undefined) stored(await client.request({ method: "GET", path, signal }));
      body.metadata.resourceVersion = this.resourceVersion;
      stored(await client.request({ method: "PUT", path, body, signal }));
    } catch (err) {
      this.resourceVersion = undefined; // a conflict (our own write raced) reads the Lease again next time
      if (!(err instanceof KubeApiError && err.status === 404)) throw err;
      delete body.metadata.resourceVersion;
      stored(await client.request({ method: "POST", path: this.path, body, signal }));
    }
  }

  /** Deletes a dead member's Lease, unless it was renewed meanwhile (the resourceVersion precondition). */
  private async forget(lease: MemberLease, signal: AbortSignal): Promise<void> {
    try {
      await this.opts.client.request({
        method: "DELETE",
        path: `${this.path}/${lease.metadata.name}`,
        body: { preconditions: { resourceVersion: lease.metadata.resourceVersion } },
        signal,
      });
      this.observed.delete(lease.metadata.name);
    } catch {
      // another replica deleted it first, or it lives again: either way nothing to do
    }
  }

  /** Leaves the group at once (graceful stop): the others rebalance without waiting for the Lease to expire. */
  async leave(): Promise<void> {
    try {
      await this.opts.client.request({
        method: "DELETE",
        path: `${this.path}/${this.name}`,
        signal: AbortSignal.timeout(this.opts.leaseDurationMs / 3),
      });
    } catch (err) {
      if (!(err instanceof KubeApiError && err.status === 404)) {
        this.opts.logger.warn({ err: String(err) }, "could not delete the member Lease; it expires on its own");
      }
    }
  }
}

function parseShards(text: string | undefined): string[] {
  try {
    const parsed: unknown = JSON.parse(text ?? "[]");
    return Array.isArray(parsed) ? parsed.filter((s): s is string => typeof s === "string") : [];
  } catch {
    return [];
  }
}

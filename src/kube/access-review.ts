// Delegated authentication and authorization, as metrics-server and kube-rbac-proxy do it: a bearer token is
// checked with a TokenReview, the identity it names is asked a SubjectAccessReview. Answers are cached briefly
// (keyed by a hash of the token, never the token) so a dashboard's page of requests costs one review each.
import { createHash } from "node:crypto";
import type { KubeClient } from "./client.js";

export interface Identity {
  username: string;
  uid?: string;
  groups: string[];
  extra?: Record<string, string[]>;
}

/** What is asked: a resource of an API group, or a non-resource path such as /metrics. */
export type AccessAttributes =
  | { group: string; resource: string; verb: string; subresource?: string }
  | { path: string; verb: string };

export interface AccessReviewer {
  /** The identity a token names, or undefined when the API server does not accept it. */
  authenticate(token: string): Promise<Identity | undefined>;
  authorize(identity: Identity, attrs: AccessAttributes): Promise<boolean>;
}

const TTL_MS = 30_000;
const MAX_ENTRIES = 1000;

class TtlCache<V> {
  private readonly entries = new Map<string, { value: V; at: number }>();
  constructor(private readonly now: () => number) {}
  get(key: string): V | undefined {
    const e = this.entries.get(key);
    if (!e || this.now() - e.at > TTL_MS) return undefined;
    return e.value;
  }
  set(key: string, value: V): void {
    if (this.entries.size >= MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(key, { value, at: this.now() });
  }
}

interface TokenReviewStatus {
  authenticated?: boolean;
  user?: { username?: string; uid?: string; groups?: string[]; extra?: Record<string, string[]> };
}

export class KubeAccessReviewer implements AccessReviewer {
  private readonly tokens: TtlCache<Identity | null>;
  private readonly decisions: TtlCache<boolean>;

  constructor(
    private readonly client: () => KubeClient,
    now: () => number = Date.now,
  ) {
    this.tokens = new TtlCache(now);
    this.decisions = new TtlCache(now);
  }

  async authenticate(token: string): Promise<Identity | undefined> {
    const key = createHash("sha256").update(token).digest("hex");
    const cached = this.tokens.get(key);
    if (cached !== undefined) return cached ?? undefined;
    const res = await this.client().request({
      method: "POST",
      path: "/apis/authentication.k8s.io/v1/tokenreviews",
      body: { apiVersion: "authentication.k8s.io/v1", kind: "TokenReview", spec: { token } },
    });
    const status = (res.body as { status?: TokenReviewStatus }).status;
    const user = status?.authenticated === true ? status.user : undefined;
    const identity = user?.username
      ? { username: user.username, uid: user.uid, groups: user.groups ?? [], extra: user.extra }
      : null;
    this.tokens.set(key, identity);
    return identity ?? undefined;
  }

  async authorize(identity: Identity, attrs: AccessAttributes): Promise<boolean> {
    const key = JSON.stringify([identity.username, identity.uid, identity.groups, attrs]);
    const cached = this.decisions.get(key);
    if (cached !== undefined) return cached;
    const spec = {
      user: identity.username,
      uid: identity.uid,
      groups: identity.groups,
      extra: identity.extra,
      ...("path" in attrs ? { nonResourceAttributes: attrs } : { resourceAttributes: attrs }),
    };
    const res = await this.client().request({
      method: "POST",
      path: "/apis/authorization.k8s.io/v1/subjectaccessreviews",
      body: { apiVersion: "authorization.k8s.io/v1", kind: "SubjectAccessReview", spec },
    });
    const allowed = (res.body as { status?: { allowed?: boolean } }).status?.allowed === true;
    this.decisions.set(key, allowed);
    return allowed;
  }
}

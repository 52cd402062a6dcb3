// Who may read and act through the HTTP API, SSE and the dashboard's data (CONTRACT.md "HTTP access"): a bearer
// token is either the static DRIFT_API_TOKEN (local use, every permission) or a Kubernetes token, checked with a
// TokenReview and authorized with a SubjectAccessReview on API group drift-detector.io. Without a token, reads are
// served only when the server listens on loopback. No credential → 401, a credential without the permission → 403.
import { createHash, timingSafeEqual } from "node:crypto";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { AccessAttributes, AccessReviewer, Identity } from "../kube/access-review.js";
import { errorMessage } from "../lib/errors.js";

export type { Identity } from "../kube/access-review.js";

export const ACCESS_GROUP = "drift-detector.io";
/** The identity of the static DRIFT_API_TOKEN, as the audit names it. */
export const API_TOKEN_USER = "api-token";

export interface AccessOptions {
  /** The listener is loopback only: unauthenticated reads are served (demo, development). */
  loopback: boolean;
  apiToken?: string;
  /** Kubernetes TokenReview/SubjectAccessReview; without it only the static token authenticates. */
  reviewer?: AccessReviewer;
  /** /metrics needs a token (get on the non-resource path /metrics), except on loopback. */
  metricsAuth: boolean;
}

type Requirement = { kind: "open" } | { kind: "read" | "write"; attrs: AccessAttributes } | { kind: "whoami" };

const drifts = (verb: string): AccessAttributes => ({ group: ACCESS_GROUP, resource: "drifts", verb });
const audit = (verb: string): AccessAttributes => ({ group: ACCESS_GROUP, resource: "audit", verb });

/** What a request needs, by its route. */
export function requirement(
  method: string,
  route: string | undefined,
  path: string,
  metricsAuth: boolean,
): Requirement {
  const read = (attrs: AccessAttributes): Requirement => ({ kind: "read", attrs });
  if (path === "/metrics" || route === "/metrics") {
    return metricsAuth ? read({ path: "/metrics", verb: "get" }) : { kind: "open" };
  }
  if (!path.startsWith("/api/") && path !== "/api") return { kind: "open" };
  if (method !== "GET" && method !== "HEAD") return { kind: "write", attrs: drifts("update") };
  switch (route) {
    case "/api/whoami":
      return { kind: "whoami" };
    case "/api/drifts/:id":
      return read(drifts("get"));
    case "/api/events":
      return read(drifts("watch"));
    case "/api/drifts/:id/audit":
      return read(audit("get"));
    case "/api/audit":
      return read(audit("list"));
    default:
      return read(drifts("list"));
  }
}

declare module "fastify" {
  interface FastifyRequest {
    /** The authenticated caller; undefined for open routes and unauthenticated loopback reads. */
    identity?: Identity;
  }
}

function bearer(req: FastifyRequest): string | undefined {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? "");
  return m?.[1];
}

function sha(s: string): Buffer {
  return createHash("sha256").update(s).digest();
}

const unauthorized = (reply: FastifyReply, error: string) =>
  reply.code(401).header("www-authenticate", 'Bearer realm="drift-detector"').send({ error });

export class AccessGate {
  private readonly apiToken?: Buffer;
  // Compared by reference: a cluster user could be named "api-token" too.
  private readonly tokenIdentity: Identity = { username: API_TOKEN_USER, groups: ["system:authenticated"] };

  constructor(private readonly opts: AccessOptions) {
    this.apiToken = opts.apiToken ? sha(opts.apiToken) : undefined;
  }

  /** Whether anyone could act at all: a static token or the cluster's reviews. */
  get actionsPossible(): boolean {
    return !!this.apiToken || !!this.opts.reviewer;
  }

  register(app: FastifyInstance): void {
    app.decorateRequest("identity", undefined);
    app.addHook("onRequest", (req, reply) => this.check(req, reply));
  }

  private async authenticate(token: string): Promise<Identity | undefined> {
    if (this.apiToken && timingSafeEqual(sha(token), this.apiToken)) {
      return this.tokenIdentity;
    }
    return this.opts.reviewer?.authenticate(token);
  }

  /** Whether `identity` may do `attrs`; the static token may do everything. */
  async allowed(identity: Identity, attrs: AccessAttributes): Promise<boolean> {
    if (identity === this.tokenIdentity) return true;
    return (await this.opts.reviewer?.authorize(identity, attrs)) ?? false;
  }

  private async check(req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> {
    const path = req.url.split("?")[0] ?? "/";
    const need = requirement(req.method, req.routeOptions.url, path, this.opts.metricsAuth);
    if (need.kind === "open") return;
    const token = bearer(req);
    if (!token) {
      if (this.opts.loopback && need.kind !== "write") return;
      if (need.kind === "write" && !this.actionsPossible) {
        return reply.code(403).send({
          error: "this endpoint is disabled: set DRIFT_API_TOKEN or run in a cluster to enable changes through the API",
        });
      }
      return unauthorized(reply, "a bearer token is required (e.g. kubectl create token)");
    }
    let identity: Identity | undefined;
    try {
      identity = await this.authenticate(token);
    } catch (err) {
      return reply.code(503).send({ error: `cannot review the token: ${errorMessage(err)}` });
    }
    if (!identity) return unauthorized(reply, "the bearer token was not accepted");
    req.identity = identity;
    if (need.kind === "whoami") return;
    let ok: boolean;
    try {
      ok = await this.allowed(identity, need.attrs);
    } catch (err) {
      return reply.code(503).send({ error: `cannot review access: ${errorMessage(err)}` });
    }
    if (!ok) return reply.code(403).send({ error: `${identity.username} may not ${describe(need.attrs)}` });
  }
}

export function describe(attrs: AccessAttributes): string {
  return "path" in attrs ? `${attrs.verb} ${attrs.path}` : `${attrs.verb} ${attrs.resource}.${attrs.group}`;
}

/** Whether a listen host accepts connections from this machine only. */
export function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || /^127\./.test(host);
}

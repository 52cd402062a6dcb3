// The one HTTP path to the API server: authentication from the KubeConfig (client certificates, tokens, exec
// plugins via @kubernetes/client-node), undici for transport, typed errors, and a request counter (benchmarks and
// tests verify that a warm cache costs no requests).
import type { KubeConfig } from "@kubernetes/client-node";
import { RequestContext } from "@kubernetes/client-node";
import { Agent, type Dispatcher, request } from "undici";
import { ClusterUnauthorizedError, ClusterUnreachableError, KubeApiError } from "./errors.js";

export type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

export interface KubeRequest {
  method: HttpMethod;
  /** Absolute API path, e.g. /apis/apps/v1/namespaces/qa/deployments/backend */
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  contentType?: string;
  signal?: AbortSignal;
  /** The whole request, answer included, at most (default REQUEST_DEADLINE_MS). */
  timeoutMs?: number;
}

/**
 * Beside undici's 60 s without a byte (headers or body), a deadline for the whole request: a server trickling an
 * answer cannot hold a caller for ever. Long enough for a large LIST on a loaded apiserver.
 */
export const REQUEST_DEADLINE_MS = 300_000;

export interface KubeResponse {
  status: number;
  body: unknown;
}

// Tokens from exec plugins and token files rotate: refresh the auth headers now and then, not per request.
const AUTH_REFRESH_MS = 30_000;

export class KubeClient {
  /** Requests sent since creation, by method. */
  readonly stats = { requests: 0, byMethod: {} as Record<string, number> };
  readonly server: string;
  private auth?: { headers: Record<string, string>; at: number };
  private dispatcher?: Dispatcher;

  constructor(readonly kubeConfig: KubeConfig) {
    const server = kubeConfig.getCurrentCluster()?.server;
    if (!server) throw new Error("the kubeconfig context names no cluster server");
    this.server = server.replace(/\/+$/, "");
  }

  /** Sends one request; a 404 or any other error status throws KubeApiError (callers decide what 404 means). */
  async request(req: KubeRequest): Promise<KubeResponse> {
    const url = new URL(this.server + req.path);
    for (const [k, v] of Object.entries(req.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    const headers = { ...(await this.authHeaders()), accept: "application/json" } as Record<string, string>;
    let body: string | undefined;
    if (req.body !== undefined) {
      body = typeof req.body === "string" ? req.body : JSON.stringify(req.body);
      headers["content-type"] = req.contentType ?? "application/json";
    }
    this.stats.requests++;
    this.stats.byMethod[req.method] = (this.stats.byMethod[req.method] ?? 0) + 1;
    const timeoutMs = req.timeoutMs ?? REQUEST_DEADLINE_MS;
    const deadline = AbortSignal.timeout(timeoutMs);
    let res: Dispatcher.ResponseData;
    let text: string;
    try {
      res = await request(url, {
        method: req.method,
        headers,
        body,
        dispatcher: this.dispatcher,
        signal: req.signal ? AbortSignal.any([req.signal, deadline]) : deadline,
        headersTimeout: 60_000,
        bodyTimeout: 60_000,
      });
      text = await res.body.text();
    } catch (err) {
      if (req.signal?.aborted) throw err;
      const reason = deadline.aborted ? `no complete answer within ${timeoutMs / 1000}s` : describeNetworkError(err);
      throw new ClusterUnreachableError(this.server, reason);
    }
    let parsed: unknown = text;
    if (text && (res.headers["content-type"] ?? "").toString().includes("json")) {
      try {
        parsed = JSON.parse(text);
      } catch {
        // keep the text: an error message from a proxy in front of the API server
      }
    }
    if (res.statusCode >= 400) {
      const status = parsed as { message?: string; reason?: string } | string;
      const message =
        typeof status === "object" && status?.message ? status.message : String(text || `HTTP ${res.statusCode}`);
      if (res.statusCode === 401) throw new ClusterUnauthorizedError(this.server, 401, message);
      const reason = typeof status === "object" && status?.reason ? status.reason : `HTTP ${res.statusCode}`;
      throw new KubeApiError(res.statusCode, reason, message.split("\n")[0] ?? message);
    }
    return { status: res.statusCode, body: parsed };
  }

  /** Frees the connection pool (the process would otherwise wait for idle keep-alive sockets). */
  async close(): Promise<void> {
    await this.dispatcher?.close().catch(() => {});
  }

  private async authHeaders(): Promise<Record<string, string>> {
    if (this.auth && Date.now() - this.auth.at < AUTH_REFRESH_MS) return this.auth.headers;
    const ctx = new RequestContext(this.server, "GET" as never);
    try {
      await this.kubeConfig.applySecurityAuthentication(ctx);
    } catch (err) {
      throw new ClusterUnreachableError(this.server, `cannot obtain credentials: ${describeNetworkError(err)}`);
    }
    // The client library builds a new agent on every call; keep the first so connections are pooled.
    this.dispatcher ??= (ctx.getDispatcher() as Dispatcher | undefined) ?? new Agent({ connections: 64 });
    this.auth = { headers: { ...ctx.getHeaders() }, at: Date.now() };
    return this.auth.headers;
  }
}

function describeNetworkError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = (err as { cause?: unknown }).cause;
  const code = (err as { code?: string }).code ?? (cause as { code?: string } | undefined)?.code;
  const message = cause instanceof Error && cause.message ? cause.message : err.message;
  const line = message.split("\n")[0] ?? message;
  return code && !line.includes(code) ? `${code}: ${line}` : line;
}

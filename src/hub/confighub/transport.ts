import { sleep } from "../../lib/sleep.js";
import { ConfigHubError, ConfigHubUnavailableError, TokenRejectedError } from "./errors.js";
import { CONTINUE_HEADER, type StandardErrorResponse, VERSION_HEADER } from "./wire.js";

// One HTTP call to a ConfigHub-API server: bearer token (read again once after a 401), User-Agent, retries with
// backoff on 429/5xx honouring Retry-After, a timeout per attempt, and every failure as one line naming the call.

export interface TransportOptions {
  /** Server URL without `/api`, e.g. https://hub.confighub.com. */
  url: string;
  /** A fixed token, or a reader (credentials.ts) asked again once after a 401. */
  token: string | (() => Promise<string>);
  /** Per attempt. Default 30 s. */
  timeoutMs?: number;
  /** Extra attempts after the first on 429/5xx/network errors. Default 3. */
  retries?: number;
  /** First backoff step; doubles per attempt (with jitter). Default 250 ms. */
  backoffMs?: number;
  /** Told once the server's `ConfigHub-Version`. */
  onServerVersion?: (version: string) => void;
  /** What to tell a person whose token is rejected twice. */
  loginHint?: string;
}

export type Query = Record<string, string | number | boolean | undefined>;
export interface Req {
  query?: Query;
  json?: unknown;
  text?: string;
  contentType?: string;
  headers?: Record<string, string>;
}

const IDEMPOTENT = new Set(["GET", "HEAD", "PUT", "DELETE"]);
const USER_AGENT = `drift-detector/${process.env.npm_package_version ?? "0.1.0"} (node ${process.versions.node})`;

export class Transport {
  readonly base: string;
  private readonly timeoutMs: number;
  private readonly retries: number;
  private readonly backoffMs: number;
  private token: Promise<string> | undefined;
  /** The server's `ConfigHub-Version`, once seen. */
  serverVersion: string | undefined;
  /** Aborted by close(): requests under way end, later ones are refused. */
  private readonly closed = new AbortController();

  constructor(private readonly opts: TransportOptions) {
    this.base = `${opts.url.replace(/\/+$/, "")}/api`;
    this.timeoutMs = opts.timeoutMs ?? 30_000;
    this.retries = opts.retries ?? 3;
    this.backoffMs = opts.backoffMs ?? 250;
  }

  private bearer(fresh = false): Promise<string> {
    const t = this.opts.token;
    if (typeof t === "string") return Promise.resolve(t);
    if (fresh || !this.token) {
      this.token = t();
      this.token.catch(() => (this.token = undefined));
    }
    return this.token;
  }

  /** One call with retries; returns the final response (2xx or 304), else throws one line naming the call. */
  async send(method: string, path: string, req: Req = {}): Promise<Response> {
    const url = new URL(this.base + path);
    for (const [k, v] of Object.entries(req.query ?? {}))
      if (v !== undefined && v !== "") url.searchParams.set(k, String(v));
    const headers: Record<string, string> = { accept: "application/json", "user-agent": USER_AGENT, ...req.headers };
    let body: string | undefined;
    if (req.text !== undefined) {
      body = req.text;
      headers["content-type"] = req.contentType ?? "application/octet-stream";
    } else if (req.json !== undefined) {
      body = JSON.stringify(req.json);
      headers["content-type"] = req.contentType ?? "application/json";
    }
    const what = `${method} ${path}`;
    let reauthorized = false;
    for (let attempt = 0; ; attempt++) {
      if (this.closed.signal.aborted) throw new ConfigHubUnavailableError(`${this.opts.url}: client closed (${what})`);
      headers.authorization = `Bearer ${await this.bearer(reauthorized)}`;
      let res: Response;
      try {
        const signal = AbortSignal.any([AbortSignal.timeout(this.timeoutMs), this.closed.signal]);
        res = await fetch(url, { method, headers, body, signal });
      } catch (err) {
        if (this.closed.signal.aborted)
          throw new ConfigHubUnavailableError(`${this.opts.url}: client closed (${what})`);
        const timedOut = (err as Error).name === "TimeoutError";
        // A request that may have reached the server is only repeated when repeating it is harmless.
        if (attempt < this.retries && (IDEMPOTENT.has(method) || !timedOut)) {
          await sleep(this.delay(attempt), this.closed.signal);
          continue;
        }
        const reason = timedOut ? `no answer within ${this.timeoutMs} ms` : causeOf(err);
        throw new ConfigHubUnavailableError(`${this.opts.url} unreachable (${what}): ${reason}`);
      }
      this.noteVersion(res);
      if ((res.status >= 200 && res.status < 300) || res.status === 304) return res;
      if (res.status === 401 && !reauthorized && typeof this.opts.token !== "string") {
        await res.body?.cancel().catch(() => {});
        reauthorized = true;
        attempt--;
        continue;
      }
      const retryable = res.status === 429 || res.status === 503 || (res.status >= 500 && IDEMPOTENT.has(method));
      if (retryable && attempt < this.retries) {
        await res.body?.cancel().catch(() => {});
        await sleep(retryAfter(res.headers.get("retry-after")) ?? this.delay(attempt), this.closed.signal);
        continue;
      }
      const message = await errorMessage(res);
      if (res.status === 401) {
        throw new TokenRejectedError(
          401,
          `${this.opts.url} rejected the token (${what}: ${message}): ${this.opts.loginHint ?? "run `cub auth login`"}`,
        );
      }
      if (res.status >= 500)
        throw new ConfigHubUnavailableError(`${this.opts.url} failed (${what}): ${res.status} ${message}`);
      throw new ConfigHubError(res.status, `${this.opts.url}: ${what}: ${res.status} ${message}`);
    }
  }

  /** A JSON answer, checked to be an object (or array, with `list`): anything else is one line, not a TypeError. */
  async json<T>(method: string, path: string, req?: Req & { list?: boolean }): Promise<T> {
    const res = await this.send(method, path, req);
    return this.body<T>(res, `${method} ${path}`, req?.list ?? false);
  }

  async body<T>(res: Response, what: string, list: boolean): Promise<T> {
    const text = await res.text();
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      throw new ConfigHubError(res.status, `${this.opts.url}: ${what}: the answer is not JSON`);
    }
    if (list ? !Array.isArray(value) : typeof value !== "object" || value === null || Array.isArray(value))
      throw new ConfigHubError(res.status, `${this.opts.url}: ${what}: expected a JSON ${list ? "array" : "object"}`);
    return value as T;
  }

  /** Every page of a list: `limit` + `continue`, the next token in `ConfigHub-Continue`, until an answer has none. */
  async all<T>(path: string, query: Query = {}, limit = 1000): Promise<T[]> {
    const out: T[] = [];
    let next: string | undefined;
    do {
      const res = await this.send("GET", path, { query: { ...query, limit, continue: next } });
      out.push(...(await this.body<T[]>(res, `GET ${path}`, true)));
      next = res.headers.get(CONTINUE_HEADER) ?? undefined;
    } while (next);
    return out;
  }

  close(): void {
    this.closed.abort();
  }

  /** An answer without the shape the spec gives it. */
  unexpected(what: string, detail: string): ConfigHubError {
    return new ConfigHubError(502, `${this.opts.url}: ${what}: unexpected answer (${detail})`);
  }

  private noteVersion(res: Response): void {
    const v = res.headers.get(VERSION_HEADER);
    if (!v || this.serverVersion) return;
    this.serverVersion = v;
    this.opts.onServerVersion?.(v);
  }

  private delay(attempt: number): number {
    const step = this.backoffMs * 2 ** attempt;
    return Math.min(10_000, step / 2 + Math.random() * step);
  }
}

async function errorMessage(res: Response): Promise<string> {
  const text = await res.text().catch(() => "");
  try {
    const body = JSON.parse(text) as StandardErrorResponse & { message?: string };
    return body.Message ?? body.message ?? text.slice(0, 300);
  } catch {
    return text.slice(0, 300) || res.statusText;
  }
}

/** Retry-After in seconds or as an HTTP date; capped so a hostile value cannot park us. */
function retryAfter(v: string | null): number | undefined {
  if (!v) return undefined;
  const secs = Number(v);
  const ms = Number.isFinite(secs) ? secs * 1000 : Date.parse(v) - Date.now();
  return Number.isFinite(ms) ? Math.max(0, Math.min(ms, 30_000)) : undefined;
}

function causeOf(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (err as Error).message;
}

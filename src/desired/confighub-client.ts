import type { HubApi } from "../hub/api.js";
import type { UpgradeResult } from "../hub/hub.js";
import type { ALWAYS_SELECTED } from "../hub/select.js";
import type {
  FunctionInvocation,
  FunctionResult,
  MergeConflict,
  Revision,
  Space,
  SpaceInput,
  SpaceListItem,
  Unit,
  UnitInput,
  UnitListItem,
} from "../hub/types.js";
import { ExpectedError } from "../lib/errors.js";

// A typed client for ConfigHub's current API generation (../../../shared/confighub-api.md), which our embedded hub
// also serves: pagination (`ConfigHub-Continue`), ETag/If-None-Match on data, retries with backoff on 429/5xx
// honouring Retry-After, a timeout per attempt, typed errors. Spaces and units may be named by slug or ID: slugs are
// resolved through `where` lists (ConfigHub's paths take IDs).

export interface ConfigHubClientOptions {
  /** Server URL without `/api`, e.g. https://hub.confighub.com. */
  url: string;
  token: string;
  /** Per attempt. Default 30 s. */
  timeoutMs?: number;
  /** Extra attempts after the first on 429/5xx/network errors. Default 3. */
  retries?: number;
  /** First backoff step; doubles per attempt (with jitter). Default 250 ms. */
  backoffMs?: number;
}

/** The hub answered with an error status. */
export class ConfigHubError extends ExpectedError {
  override readonly name: string = "ConfigHubError";
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** 401: the token is wrong or expired. */
export class TokenRejectedError extends ConfigHubError {
  override readonly name = "TokenRejectedError";
}

/** The hub could not be reached (network, timeout, or still failing after the retries). */
export class ConfigHubUnavailableError extends ExpectedError {
  override readonly name = "ConfigHubUnavailableError";
}

/** `select` on a list: which of the entity's fields to return; its IDs and Slug always come back (as ConfigHub does). */
export interface SelectOptions<K extends string> {
  select: readonly K[];
}
type Always<E extends keyof typeof ALWAYS_SELECTED> = (typeof ALWAYS_SELECTED)[E][number];
export type SelectedSpaceItem<K extends keyof Space> = Omit<SpaceListItem, "Space"> & {
  Space: Pick<Space, K | Always<"space">>;
};
export type SelectedUnitItem<K extends keyof Unit> = Omit<UnitListItem, "Unit"> & {
  Unit: Pick<Unit, K | Always<"unit">>;
};
export type SelectedRevision<K extends keyof Revision> = Pick<Revision, K | Always<"revision">>;

export type DataResult =
  | { notModified: true; etag: string }
  | { notModified: false; data: string; etag: string | null };

type Query = Record<string, string | number | boolean | undefined>;
interface Req {
  query?: Query;
  json?: unknown;
  text?: string;
  contentType?: string;
  headers?: Record<string, string>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const PAGE = 1000;
const IDEMPOTENT = new Set(["GET", "HEAD", "PUT", "DELETE"]);

export class ConfigHubClient implements HubApi {
  readonly description: string;
  private readonly base: string;
  private readonly timeoutMs: number;
  private readonly retries: number;
  private readonly backoffMs: number;
  private readonly spaceIds = new Map<string, string>();
  /** Aborted by close(): requests under way end, later ones are refused. */
  private readonly closed = new AbortController();

  constructor(private readonly opts: ConfigHubClientOptions) {
    this.base = `${opts.url.replace(/\/+$/, "")}/api`;
    this.description = opts.url;
    this.timeoutMs = opts.timeoutMs ?? 30_000;
    this.retries = opts.retries ?? 3;
    this.backoffMs = opts.backoffMs ?? 250;
  }

  // ------------------------------------------------------------ transport

  /** One call with retries; returns the final response (ok, 207 or 304). */
  private async send(method: string, path: string, req: Req = {}): Promise<Response> {
    const url = new URL(this.base + path);
    for (const [k, v] of Object.entries(req.query ?? {}))
      if (v !== undefined && v !== "") url.searchParams.set(k, String(v));
    const headers: Record<string, string> = {
      authorization: `Bearer ${this.opts.token}`,
      accept: "application/json",
      ...req.headers,
    };
    let body: string | undefined;
    if (req.text !== undefined) {
      body = req.text;
      headers["content-type"] = req.contentType ?? "application/octet-stream";
    } else if (req.json !== undefined) {
      body = JSON.stringify(req.json);
      headers["content-type"] = req.contentType ?? "application/json";
    }
    const what = `${method} ${path}`;
    for (let attempt = 0; ; attempt++) {
      if (this.closed.signal.aborted)
        throw new ConfigHubUnavailableError(`hub ${this.opts.url}: client closed (${what})`);
      let res: Response;
      try {
        const signal = AbortSignal.any([AbortSignal.timeout(this.timeoutMs), this.closed.signal]);
        res = await fetch(url, { method, headers, body, signal });
      } catch (err) {
        if (this.closed.signal.aborted)
          throw new ConfigHubUnavailableError(`hub ${this.opts.url}: client closed (${what})`);
        const timedOut = (err as Error).name === "TimeoutError";
        // A request that may have reached the server is only repeated when repeating it is harmless.
        if (attempt < this.retries && (IDEMPOTENT.has(method) || !timedOut)) {
          await sleep(this.delay(attempt));
          continue;
        }
        const reason = timedOut ? `no answer within ${this.timeoutMs} ms` : causeOf(err);
        throw new ConfigHubUnavailableError(`hub ${this.opts.url} unreachable (${what}): ${reason}`);
      }
      if (res.ok || res.status === 207 || res.status === 304) return res;
      const retryable = res.status === 429 || res.status === 503 || (res.status >= 500 && IDEMPOTENT.has(method));
      if (retryable && attempt < this.retries) {
        await res.body?.cancel().catch(() => {});
        await sleep(retryAfter(res.headers.get("retry-after")) ?? this.delay(attempt));
        continue;
      }
      const message = await errorMessage(res);
      if (res.status === 401) {
        throw new TokenRejectedError(
          401,
          `token rejected by ${this.opts.url}: get a new one with \`cub auth get-token\` (${message})`,
        );
      }
      if (res.status >= 500)
        throw new ConfigHubUnavailableError(`hub ${this.opts.url} failed (${what}): ${res.status} ${message}`);
      throw new ConfigHubError(res.status, `${what}: ${res.status} ${message}`);
    }
  }

  private delay(attempt: number): number {
    const step = this.backoffMs * 2 ** attempt;
    return Math.min(10_000, step / 2 + Math.random() * step);
  }

  private async json<T>(method: string, path: string, req?: Req): Promise<T> {
    const res = await this.send(method, path, req);
    const text = await res.text();
    try {
      return (text ? JSON.parse(text) : null) as T;
    } catch {
      throw new ConfigHubError(res.status, `${method} ${path}: the answer is not JSON`);
    }
  }

  /** Every page of a list (follows `ConfigHub-Continue`). */
  private async all<T>(path: string, query: Query = {}): Promise<T[]> {
    const out: T[] = [];
    let next: string | undefined;
    do {
      const res = await this.send("GET", path, { query: { ...query, limit: PAGE, continue: next } });
      const items = (await res.json()) as T[];
      if (!Array.isArray(items)) throw new ConfigHubError(res.status, `GET ${path}: expected a list`);
      out.push(...items);
      next = res.headers.get("configHub-continue") ?? undefined;
    } while (next);
    return out;
  }

  // ------------------------------------------------------------ slugs → IDs

  /** The SpaceID for a slug or ID (cached). */
  async spaceId(space: string): Promise<string> {
    if (UUID.test(space)) return space;
    const known = this.spaceIds.get(space);
    if (known) return known;
    const found = (await this.listSpaces(`Slug = '${quote(space)}'`, { select: ["SpaceID"] }))[0]?.Space;
    if (!found) throw new ConfigHubError(404, `space "${space}" not found`);
    this.spaceIds.set(space, found.SpaceID);
    return found.SpaceID;
  }

  private async ids(space: string, unit: string): Promise<[string, string]> {
    const sid = await this.spaceId(space);
    if (UUID.test(unit)) return [sid, unit];
    const found = (
      await this.all<UnitListItem>(`/space/${sid}/unit`, { where: `Slug = '${quote(unit)}'`, select: "UnitID" })
    )[0]?.Unit;
    if (!found) throw new ConfigHubError(404, `unit "${unit}" not found in space ${space}`);
    return [sid, found.UnitID];
  }

  // ------------------------------------------------------------ spaces

  listSpaces(where?: string): Promise<SpaceListItem[]>;
  listSpaces<K extends keyof Space>(
    where: string | undefined,
    opts: SelectOptions<K>,
  ): Promise<Array<SelectedSpaceItem<K>>>;
  listSpaces(where?: string, opts?: SelectOptions<string>): Promise<unknown[]> {
    return this.all("/space", { where, select: selectParam(opts) });
  }

  async getSpace(space: string): Promise<Space> {
    return this.json<Space>("GET", `/space/${await this.spaceId(space)}`);
  }

  async createSpace(input: SpaceInput): Promise<Space> {
    const r = await this.json<{ Space: Space }>("POST", "/space", { json: input });
    this.spaceIds.set(r.Space.Slug, r.Space.SpaceID);
    return r.Space;
  }

  async deleteSpace(space: string, opts: { recursive?: boolean } = {}): Promise<void> {
    const sid = await this.spaceId(space);
    await this.json("DELETE", `/space/${sid}`, { query: { recursive: opts.recursive || undefined } });
    for (const [slug, id] of this.spaceIds) if (id === sid) this.spaceIds.delete(slug);
  }

  // ------------------------------------------------------------ units

  /** Units of one space, or of every space when `space` is undefined; all pages. */
  listUnits(space: string | undefined, where?: string): Promise<UnitListItem[]>;
  listUnits<K extends keyof Unit>(
    space: string | undefined,
    where: string | undefined,
    opts: SelectOptions<K>,
  ): Promise<Array<SelectedUnitItem<K>>>;
  async listUnits(space: string | undefined, where?: string, opts?: SelectOptions<string>): Promise<unknown[]> {
    const query = { where, select: selectParam(opts) };
    if (!space) return this.all("/unit", query);
    return this.all(`/space/${await this.spaceId(space)}/unit`, query);
  }

  async getUnit(space: string, unit: string): Promise<Unit> {
    const [sid, uid] = await this.ids(space, unit);
    return this.json<Unit>("GET", `/space/${sid}/unit/${uid}`);
  }

  async createUnit(space: string, input: UnitInput): Promise<Unit> {
    const body = { ToolchainType: "Kubernetes/YAML", ...input };
    return (await this.json<{ Unit: Unit }>("POST", `/space/${await this.spaceId(space)}/unit`, { json: body })).Unit;
  }

  async cloneUnit(
    space: string,
    upstreamSpace: string,
    upstreamUnit: string,
    input: Partial<UnitInput> = {},
  ): Promise<Unit> {
    const [usid, uuid] = await this.ids(upstreamSpace, upstreamUnit);
    const r = await this.json<{ Unit: Unit }>("POST", `/space/${await this.spaceId(space)}/unit`, {
      query: { upstream_space_id: usid, upstream_unit_id: uuid },
      json: input,
    });
    return r.Unit;
  }

  async updateUnit(space: string, unit: string, patch: Partial<UnitInput> & { Version?: number }): Promise<Unit> {
    return (await this.patchUnit(space, unit, patch)).Unit;
  }

  async deleteUnit(space: string, unit: string): Promise<void> {
    const [sid, uid] = await this.ids(space, unit);
    await this.json("DELETE", `/space/${sid}/unit/${uid}`);
  }

  private async patchUnit(space: string, unit: string, patch: unknown, query: Query = {}) {
    const [sid, uid] = await this.ids(space, unit);
    return this.json<{ Unit: Unit; Conflicts?: MergeConflict[] }>("PATCH", `/space/${sid}/unit/${uid}`, {
      query,
      json: patch,
      contentType: "application/merge-patch+json",
    });
  }

  async upgradeUnit(space: string, unit: string): Promise<UpgradeResult> {
    const r = await this.patchUnit(space, unit, null, { upgrade: true });
    return { unit: r.Unit, conflicts: r.Conflicts ?? [] };
  }

  async restoreUnit(space: string, unit: string, revisionNum: number): Promise<Unit> {
    return (await this.patchUnit(space, unit, null, { restore: revisionNum })).Unit;
  }

  /** Bulk upgrade of every unit matching `where` (all spaces): one result per unit. */
  async bulkUpgrade(
    where: string,
  ): Promise<
    Array<{ Unit: Unit | null; Conflicts?: MergeConflict[]; Error: { Code: string; Message: string } | null }>
  > {
    return this.json("PATCH", "/unit", {
      query: { where, upgrade: true },
      json: null,
      contentType: "application/merge-patch+json",
    });
  }

  async markDelivered(space: string, unit: string, field: "applied" | "released", revisionNum: number): Promise<Unit> {
    const key = field === "applied" ? "LastAppliedRevisionNum" : "LastReleasedRevisionNum";
    return (await this.patchUnit(space, unit, { [key]: revisionNum })).Unit;
  }

  // ------------------------------------------------------------ data and revisions

  /** The head data; with `etag` (a previous DataHash ETag) answers `notModified` while it is unchanged. */
  async fetchUnitData(space: string, unit: string, etag?: string): Promise<DataResult> {
    const [sid, uid] = await this.ids(space, unit);
    const res = await this.send("GET", `/space/${sid}/unit/${uid}/data`, {
      headers: { accept: "application/octet-stream, text/plain, */*", ...(etag ? { "if-none-match": etag } : {}) },
    });
    if (res.status === 304) return { notModified: true, etag: etag as string };
    return { notModified: false, data: await res.text(), etag: res.headers.get("etag") };
  }

  async getUnitData(space: string, unit: string): Promise<string> {
    const r = await this.fetchUnitData(space, unit);
    return r.notModified ? "" : r.data;
  }

  async putUnitData(
    space: string,
    unit: string,
    data: string,
    opts: { ifMatch?: string; description?: string } = {},
  ): Promise<Unit> {
    const [sid, uid] = await this.ids(space, unit);
    const headers: Record<string, string> = {};
    if (opts.ifMatch) headers["if-match"] = opts.ifMatch.startsWith('"') ? opts.ifMatch : `"${opts.ifMatch}"`;
    const r = await this.json<{ Unit: Unit }>("PUT", `/space/${sid}/unit/${uid}/data`, {
      text: data,
      headers,
      query: { change_description: opts.description },
    });
    return r.Unit;
  }

  /** A unit's revisions (all pages); `where` over revision attributes, e.g. `RevisionNum > 3`. */
  listRevisions(space: string, unit: string, where?: string): Promise<Revision[]>;
  listRevisions<K extends keyof Revision>(
    space: string,
    unit: string,
    where: string | undefined,
    opts: SelectOptions<K>,
  ): Promise<Array<SelectedRevision<K>>>;
  async listRevisions(space: string, unit: string, where?: string, opts?: SelectOptions<string>): Promise<unknown[]> {
    const [sid, uid] = await this.ids(space, unit);
    const items = await this.all<{ Revision: unknown } | Record<string, unknown>>(
      `/space/${sid}/unit/${uid}/revision`,
      { where, select: selectParam(opts) },
    );
    return items.map((i) => ("Revision" in i ? i.Revision : i));
  }

  async getRevisionData(space: string, unit: string, revisionNum: number): Promise<string> {
    const [sid, uid] = await this.ids(space, unit);
    const res = await this.send("GET", `/space/${sid}/unit/${uid}/revision/${revisionNum}/data`, {
      headers: { accept: "application/octet-stream, text/plain, */*" },
    });
    return res.text();
  }

  async invokeFunctions(
    space: string,
    where: string | undefined,
    invocations: FunctionInvocation[],
    description?: string,
  ): Promise<FunctionResult[]> {
    return this.json<FunctionResult[]>("POST", `/space/${await this.spaceId(space)}/function/invoke`, {
      query: { where },
      json: { FunctionInvocations: invocations, ChangeDescription: description },
    });
  }

  /** Ends requests under way (their callers get ConfigHubUnavailableError) and refuses new ones. */
  async close(): Promise<void> {
    this.closed.abort();
  }
}

/** `select` as the API takes it: comma-separated; none (or empty) means every field. */
function selectParam(opts: SelectOptions<string> | undefined): string | undefined {
  return opts?.select.length ? opts.select.join(",") : undefined;
}

/** Escapes a value for a single-quoted `where` literal. */
export function quote(value: string): string {
  return value.replace(/'/g, "''");
}

async function errorMessage(res: Response): Promise<string> {
  const text = await res.text().catch(() => "");
  try {
    const body = JSON.parse(text) as { Message?: string; message?: string };
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

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

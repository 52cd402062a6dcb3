import type { HubApi } from "../api.js";
import type { UpgradeResult } from "../hub.js";
import type { ALWAYS_SELECTED } from "../select.js";
import type {
  FunctionInvocation,
  FunctionResult,
  Revision,
  Space,
  SpaceInput,
  SpaceListItem,
  Unit,
  UnitInput,
  UnitListItem,
} from "../types.js";
import { KUBERNETES_YAML } from "../types.js";
import { quote } from "../where.js";
import { fromMutationConflict } from "./conflicts.js";
import { ConfigHubError } from "./errors.js";
import { type Query, Transport, type TransportOptions } from "./transport.js";
import type {
  DeleteResponse,
  ExtendedRevision,
  ExtendedSpace,
  ExtendedUnit,
  Release,
  RequestBody,
  ResponseBody,
  UnitCreateOrUpdateResponse,
  WireRevision,
  WireSpace,
  WireUnit,
} from "./wire.js";

// A client of ConfigHub's REST API (its OpenAPI spec: openapi.json beside this file), which our embedded hub serves
// too. Spaces and units may be named by slug or ID: slugs are resolved through `where` lists (the paths take IDs);
// revisions by number are resolved to their RevisionID (`where=RevisionNum = N`), the only way ConfigHub takes them.

export interface ConfigHubClientOptions extends TransportOptions {
  /**
   * The server is ConfigHub itself, which keeps no applied revision: `markApplied` sends nothing. Default false:
   * our hub over HTTP (`hub serve`), whose `LastAppliedRevisionNum` extension is set by a merge patch.
   */
  confighub?: boolean;
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

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const NIL_UUID = "00000000-0000-0000-0000-000000000000";
const MERGE_PATCH = "application/merge-patch+json";
const OCTETS = { accept: "application/octet-stream, text/plain, */*" };

export class ConfigHubClient implements HubApi {
  readonly description: string;
  private readonly http: Transport;
  private readonly spaceIds = new Map<string, string>();

  private readonly confighub: boolean;

  constructor(opts: ConfigHubClientOptions) {
    this.http = new Transport(opts);
    this.description = opts.url;
    this.confighub = opts.confighub ?? false;
  }

  /** The server's `ConfigHub-Version`, once a call has been answered. */
  get serverVersion(): string | undefined {
    return this.http.serverVersion;
  }

  // ------------------------------------------------------------ slugs → IDs

  /** The SpaceID for a slug or ID (cached). */
  async spaceId(space: string): Promise<string> {
    if (UUID.test(space)) return space;
    const known = this.spaceIds.get(space);
    if (known) return known;
    const found = (await this.listSpaces(`Slug = '${quote(space)}'`, { select: ["SpaceID"] }))[0]?.Space;
    if (!found) throw new ConfigHubError(404, `${this.description}: space "${space}" not found`);
    this.spaceIds.set(space, found.SpaceID);
    return found.SpaceID;
  }

  private async ids(space: string, unit: string): Promise<[string, string]> {
    const sid = await this.spaceId(space);
    if (UUID.test(unit)) return [sid, unit];
    const found = (
      await this.http.all<ExtendedUnit>(`/space/${sid}/unit`, { where: `Slug = '${quote(unit)}'`, select: "UnitID" })
    )[0]?.Unit;
    if (!found?.UnitID)
      throw new ConfigHubError(404, `${this.description}: unit "${unit}" not found in space ${space}`);
    return [sid, found.UnitID];
  }

  // ------------------------------------------------------------ spaces

  listSpaces(where?: string): Promise<SpaceListItem[]>;
  listSpaces<K extends keyof Space>(
    where: string | undefined,
    opts: SelectOptions<K>,
  ): Promise<Array<SelectedSpaceItem<K>>>;
  async listSpaces(where?: string, opts?: SelectOptions<string>): Promise<unknown[]> {
    const items = await this.http.all<ExtendedSpace>("/space", { where, select: selectParam(opts) });
    const selected = Boolean(opts?.select.length);
    return items.map((i) => {
      const space = this.space(i.Space, "GET /space");
      return {
        ...i,
        Space: selected ? pickPresent(space, i.Space ?? {}) : space,
        TotalUnitCount: i.TotalUnitCount ?? 0,
      };
    });
  }

  async getSpace(space: string): Promise<Space> {
    const path = `/space/${await this.spaceId(space)}`;
    return this.space((await this.http.json<ResponseBody<"GetSpace">>("GET", path)).Space, `GET ${path}`);
  }

  async createSpace(input: SpaceInput): Promise<Space> {
    const body: RequestBody<"CreateSpace"> = input;
    const space = this.space(
      await this.http.json<ResponseBody<"CreateSpace">>("POST", "/space", { json: body }),
      "POST /space",
    );
    this.spaceIds.set(space.Slug, space.SpaceID);
    return space;
  }

  async deleteSpace(space: string, opts: { recursive?: boolean } = {}): Promise<void> {
    const sid = await this.spaceId(space);
    await this.http.json<DeleteResponse>("DELETE", `/space/${sid}`, {
      query: { recursive: opts.recursive || undefined },
    });
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
    const path = space ? `/space/${await this.spaceId(space)}/unit` : "/unit";
    const items = await this.http.all<ExtendedUnit>(path, query);
    return items.map((i) => this.unitItem(i, `GET ${path}`, Boolean(opts?.select.length)));
  }

  async getUnit(space: string, unit: string): Promise<Unit> {
    const [sid, uid] = await this.ids(space, unit);
    const path = `/space/${sid}/unit/${uid}`;
    return this.unit((await this.http.json<ResponseBody<"GetUnit">>("GET", path)).Unit, `GET ${path}`);
  }

  /** ConfigHub's two steps: the Unit (JSON, no data), then its data (`PUT …/data`) when there is some. */
  async createUnit(space: string, input: UnitInput): Promise<Unit> {
    const { Data, ...fields } = input;
    const sid = await this.spaceId(space);
    const body: RequestBody<"CreateUnit"> = { ...fields, ToolchainType: fields.ToolchainType || KUBERNETES_YAML };
    const unit = await this.written("POST", `/space/${sid}/unit`, { json: body });
    if (Data === undefined) return unit;
    return this.putUnitData(sid, unit.UnitID, Data, {
      ifMatch: unit.DataHash,
      description: input.LastChangeDescription,
    });
  }

  /** The server copies the upstream's data; the body names the clone (Slug and ToolchainType are required). */
  async cloneUnit(
    space: string,
    upstreamSpace: string,
    upstreamUnit: string,
    input: Partial<UnitInput> = {},
  ): Promise<Unit> {
    const up = await this.getUnit(upstreamSpace, upstreamUnit);
    const { Data: _ignored, ...fields } = input;
    const body: RequestBody<"CreateUnit"> = { ...fields, Slug: input.Slug ?? up.Slug, ToolchainType: up.ToolchainType };
    return this.written("POST", `/space/${await this.spaceId(space)}/unit`, {
      query: { upstream_space_id: up.SpaceID, upstream_unit_id: up.UnitID },
      json: body,
    });
  }

  async updateUnit(space: string, unit: string, patch: Partial<UnitInput> & { Version?: number }): Promise<Unit> {
    const { Data, ...fields } = patch;
    const body: RequestBody<"PatchUnit"> = fields;
    const updated = await this.patchUnit(space, unit, body);
    if (Data === undefined) return updated.unit;
    return this.putUnitData(updated.unit.SpaceID, updated.unit.UnitID, Data, { ifMatch: updated.unit.DataHash });
  }

  async deleteUnit(space: string, unit: string): Promise<void> {
    const [sid, uid] = await this.ids(space, unit);
    await this.http.json<DeleteResponse>("DELETE", `/space/${sid}/unit/${uid}`);
  }

  private async patchUnit(space: string, unit: string, patch: RequestBody<"PatchUnit">, query: Query = {}) {
    const [sid, uid] = await this.ids(space, unit);
    const path = `/space/${sid}/unit/${uid}`;
    const r = await this.http.json<ResponseBody<"PatchUnit">>("PATCH", path, {
      query,
      json: patch,
      contentType: MERGE_PATCH,
    });
    return { unit: this.unit(r.Unit, `PATCH ${path}`), conflicts: (r.Conflicts ?? []).map(fromMutationConflict) };
  }

  async upgradeUnit(space: string, unit: string): Promise<UpgradeResult> {
    return this.patchUnit(space, unit, {}, { upgrade: true });
  }

  async restoreUnit(space: string, unit: string, revisionNum: number): Promise<Unit> {
    return (await this.patchUnit(space, unit, {}, { restore: revisionNum })).unit;
  }

  /** Bulk upgrade of every unit matching `where` (all spaces): one result per unit (200, or 207 when some failed). */
  async bulkUpgrade(where: string): Promise<UnitCreateOrUpdateResponse[]> {
    return this.http.json<ResponseBody<"BulkPatchUnits">>("PATCH", "/unit", {
      query: { where, upgrade: true },
      json: {},
      contentType: MERGE_PATCH,
      list: true,
    });
  }

  /** Our hub's extension. ConfigHub keeps no applied revision (it records releases) and its PatchUnit declares no
   * such field: to ConfigHub nothing is sent, the unit is answered as it is. */
  async markApplied(space: string, unit: string, revisionNum: number): Promise<Unit> {
    if (this.confighub) return this.getUnit(space, unit);
    return (await this.patchUnit(space, unit, { LastAppliedRevisionNum: revisionNum } as RequestBody<"PatchUnit">))
      .unit;
  }

  /** `POST /space/{id}/release`: the server releases the space's units (sets their LastReleasedRevisionNum). */
  async publishRelease(space: string, request: RequestBody<"PublishRelease"> = {}): Promise<Release> {
    return this.http.json<ResponseBody<"PublishRelease">>("POST", `/space/${await this.spaceId(space)}/release`, {
      json: request,
    });
  }

  // ------------------------------------------------------------ data and revisions

  /** The head data; with `etag` (a previous DataHash ETag) answers `notModified` while it is unchanged. */
  async fetchUnitData(space: string, unit: string, etag?: string): Promise<DataResult> {
    const [sid, uid] = await this.ids(space, unit);
    const res = await this.http.send("GET", `/space/${sid}/unit/${uid}/data`, {
      headers: { ...OCTETS, ...(etag ? { "if-none-match": etag } : {}) },
    });
    if (res.status === 304) return { notModified: true, etag: etag as string };
    return { notModified: false, data: await res.text(), etag: res.headers.get("etag") };
  }

  async getUnitData(space: string, unit: string): Promise<string> {
    const r = await this.fetchUnitData(space, unit);
    return r.notModified ? "" : r.data;
  }

  /** `PUT …/data` (octet-stream); `ifMatch` (the DataHash read) makes it conditional. */
  async putUnitData(
    space: string,
    unit: string,
    data: string,
    opts: { ifMatch?: string; description?: string } = {},
  ): Promise<Unit> {
    const [sid, uid] = await this.ids(space, unit);
    const headers: Record<string, string> = {};
    if (opts.ifMatch) headers["if-match"] = opts.ifMatch.startsWith('"') ? opts.ifMatch : `"${opts.ifMatch}"`;
    return this.written("PUT", `/space/${sid}/unit/${uid}/data`, {
      text: data,
      headers,
      query: { last_change_description: opts.description },
    });
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
    const path = `/space/${sid}/unit/${uid}/revision`;
    const items = await this.http.all<ExtendedRevision>(path, { where, select: selectParam(opts) });
    return items.map((i) => this.revision(i.Revision, `GET ${path}`));
  }

  /** The RevisionID of revision `revisionNum`: ConfigHub's paths take only IDs. */
  async revisionId(space: string, unit: string, revisionNum: number): Promise<string> {
    const found = (
      await this.listRevisions(space, unit, `RevisionNum = ${Number(revisionNum)}`, { select: ["RevisionNum"] })
    )[0];
    if (!found)
      throw new ConfigHubError(404, `${this.description}: unit ${space}/${unit} has no revision ${revisionNum}`);
    return found.RevisionID;
  }

  async getRevisionData(space: string, unit: string, revisionNum: number): Promise<string> {
    const [sid, uid] = await this.ids(space, unit);
    const rid = await this.revisionId(sid, uid, revisionNum);
    const res = await this.http.send("GET", `/space/${sid}/unit/${uid}/revision/${rid}/data`, { headers: OCTETS });
    return res.text();
  }

  async invokeFunctions(
    space: string,
    where: string | undefined,
    invocations: FunctionInvocation[],
    description?: string,
  ): Promise<FunctionResult[]> {
    const path = `/space/${await this.spaceId(space)}/function/invoke`;
    const body: RequestBody<"InvokeFunctions"> = { FunctionInvocations: invocations, ChangeDescription: description };
    const results = await this.http.json<ResponseBody<"InvokeFunctions">>("POST", path, {
      query: { where },
      json: body,
      list: true,
    });
    for (const r of results)
      if (!r.UnitID || typeof r.Success !== "boolean")
        throw this.http.unexpected(`POST ${path}`, "a result without UnitID or Success");
    return results as FunctionResult[];
  }

  /** Ends requests under way (their callers get ConfigHubUnavailableError) and refuses new ones. */
  async close(): Promise<void> {
    this.http.close();
  }

  // ------------------------------------------------------------ answers → entities

  private async written(method: string, path: string, req: Parameters<Transport["json"]>[2]): Promise<Unit> {
    const r = await this.http.json<UnitCreateOrUpdateResponse>(method, path, req);
    if (r.Error?.Message && !r.Unit)
      throw new ConfigHubError(r.Error.Status ?? 400, `${this.description}: ${method} ${path}: ${r.Error.Message}`);
    return this.unit(r.Unit, `${method} ${path}`);
  }

  private space(s: WireSpace | undefined, what: string): Space {
    if (!s?.SpaceID || !s.Slug) throw this.http.unexpected(what, "no Space with SpaceID and Slug");
    return {
      ...s,
      SpaceID: s.SpaceID,
      Slug: s.Slug,
      DisplayName: s.DisplayName ?? s.Slug,
      Labels: s.Labels ?? {},
      Annotations: s.Annotations ?? {},
      Version: s.Version ?? 0,
      CreatedAt: s.CreatedAt ?? "",
      UpdatedAt: s.UpdatedAt ?? "",
    } as Space;
  }

  /** A Unit off the wire, with our defaults for what a `select` left out and Go's nil UUID as absent. */
  private unit(u: WireUnit | undefined, what: string): Unit {
    if (!u?.UnitID || !u.Slug) throw this.http.unexpected(what, "no Unit with UnitID and Slug");
    const id = (v: string | undefined) => (v && v !== NIL_UUID ? v : undefined);
    return {
      ...u,
      UnitID: u.UnitID,
      SpaceID: u.SpaceID ?? "",
      SpaceSlug: u.SpaceSlug ?? "",
      Slug: u.Slug,
      DisplayName: u.DisplayName ?? u.Slug,
      ToolchainType: u.ToolchainType ?? KUBERNETES_YAML,
      Labels: u.Labels ?? {},
      Annotations: u.Annotations ?? {},
      LastChangeDescription: u.LastChangeDescription ?? "",
      DataHash: u.DataHash ?? "",
      DataSize: u.DataSize ?? 0,
      HeadRevisionNum: u.HeadRevisionNum ?? 0,
      HeadRevisionID: id(u.HeadRevisionID),
      LastReleasedRevisionNum: u.LastReleasedRevisionNum ?? 0,
      LastAppliedRevisionNum: (u as { LastAppliedRevisionNum?: number }).LastAppliedRevisionNum ?? 0,
      UpstreamUnitID: id(u.UpstreamUnitID),
      UpstreamSpaceID: id(u.UpstreamSpaceID),
      UpstreamRevisionNum: u.UpstreamRevisionNum ?? 0,
      Version: u.Version ?? 0,
      CreatedAt: u.CreatedAt ?? "",
      UpdatedAt: u.UpdatedAt ?? "",
    } as Unit;
  }

  private unitItem(i: ExtendedUnit, what: string, selected: boolean): UnitListItem {
    const unit = this.unit(i.Unit, what);
    return {
      Unit: selected ? pickPresent(unit, i.Unit ?? {}) : unit,
      ...(i.Space?.SpaceID ? { Space: this.space(i.Space, what) } : {}),
      ...(i.UpstreamUnit?.UnitID ? { UpstreamUnit: this.unit(i.UpstreamUnit, what) } : {}),
    };
  }

  private revision(r: WireRevision | undefined, what: string): Revision {
    if (!r?.RevisionID || typeof r.RevisionNum !== "number")
      throw this.http.unexpected(what, "no Revision with RevisionID and RevisionNum");
    return r as Revision;
  }
}

/** With `select`, only the fields the server sent (the normalized ones would pretend to know the rest). */
function pickPresent<T extends object>(entity: T, sent: object): T {
  return Object.fromEntries(Object.keys(sent).map((k) => [k, entity[k as keyof T]])) as T;
}

/** `select` as the API takes it: comma-separated; none (or empty) means every field. */
function selectParam(opts: SelectOptions<string> | undefined): string | undefined {
  return opts?.select.length ? opts.select.join(",") : undefined;
}

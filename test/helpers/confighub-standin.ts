import { createHash, randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { findOperation, requestProperties, responseErrors } from "./openapi.js";

// A stand-in for ConfigHub's servers, which tests cannot reach: answers built from the shapes of ConfigHub's own
// OpenAPI spec (../../src/hub/confighub/openapi.json), not from our hub. Wrapped reads ({"Space"}, {"Unit"},
// {"Revision"}), bare space writes, UnitCreateOrUpdateResponse, DeleteResponse; no Data on units (PUT …/data);
// revisions addressed only by RevisionID (a number in the path is a 400); `limit` + `continue` paging with the next
// token in ConfigHub-Continue and short pages; `IS NULL` only on map keys; 401 with ConfigHub's error envelope; a
// ConfigHub-Version header; clone, upgrade (of a unit without local changes: the stand-in does not merge), bulk
// upgrade, restore, and InvokeFunctions running the functions a test registers. Request bodies with fields the spec
// does not declare are refused, and every JSON answer is checked against the spec's schema for its operation and
// status (`problems` lists any that is not).

type Obj = Record<string, unknown>;
interface UnitState {
  unit: Obj;
  revisions: Array<{ revision: Obj; data: string }>;
  /** The data last taken from the upstream (clone or upgrade): a head still equal to it has no local change. */
  fromUpstream?: string;
}
/** A function the stand-in runs for InvokeFunctions: the new data (unchanged: no mutation), or outputs. */
export type StandinFunction = (
  data: string,
  args: Record<string, string>,
) => { data?: string; outputs?: Record<string, unknown> };
export interface StandinRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  authorization: string | undefined;
  ifMatch: string | undefined;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const hash = (data: string) => createHash("sha256").update(data).digest("hex");

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export class ConfigHubStandin {
  url = "";
  /** The one token it accepts; change it to make the next calls answer 401. */
  token: string;
  readonly version = "v0.5.5";
  readonly requests: StandinRequest[] = [];
  readonly problems: string[] = [];
  /** Items per page at most; the first page of a longer list is shorter still. */
  pageSize = 2;
  /** What InvokeFunctions can run, by FunctionName (ConfigHub runs its own; tests give the ones they use). */
  readonly functions = new Map<string, StandinFunction>();
  private readonly spaces = new Map<string, Obj>();
  private readonly units = new Map<string, UnitState>();
  private readonly server = createServer((req, res) => void this.handle(req, res));
  private readonly org = randomUUID();

  constructor(token = "standin-token") {
    this.token = token;
  }

  async start(): Promise<this> {
    await new Promise<void>((r) => this.server.listen(0, "127.0.0.1", () => r()));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((r) => this.server.close(r));
  }

  // ------------------------------------------------------------ seeding (what a ConfigHub user already has)

  addSpace(slug: string, labels: Record<string, string> = {}): Obj {
    const now = new Date().toISOString();
    const space = {
      SpaceID: randomUUID(),
      OrganizationID: this.org,
      Slug: slug,
      DisplayName: slug,
      Labels: labels,
      Annotations: {},
      Version: 1,
      CreatedAt: now,
      UpdatedAt: now,
      EntityType: "space",
    };
    this.spaces.set(space.SpaceID, space);
    return space;
  }

  /** A unit with one revision per data text, released at `released` (0: never). */
  addUnit(space: string, slug: string, datas: string[], released = 0): Obj {
    const s = this.spaceBy(space);
    const now = new Date().toISOString();
    const unit: Obj = {
      UnitID: randomUUID(),
      SpaceID: s.SpaceID,
      SpaceSlug: s.Slug,
      OrganizationID: this.org,
      Slug: slug,
      DisplayName: slug,
      ToolchainType: "Kubernetes/YAML",
      Labels: {},
      Annotations: {},
      LastChangeDescription: "",
      HeadRevisionNum: 0,
      LastReleasedRevisionNum: 0,
      UpstreamRevisionNum: 0,
      DataHash: hash(""),
      DataSize: 0,
      Version: 1,
      CreatedAt: now,
      UpdatedAt: now,
      EntityType: "unit",
    };
    const state: UnitState = { unit, revisions: [] };
    this.units.set(unit.UnitID as string, state);
    for (const d of datas) this.revise(state, d, "seeded");
    unit.LastReleasedRevisionNum = released;
    return unit;
  }

  unit(space: string, slug: string): Obj {
    const s = this.spaceBy(space);
    const found = [...this.units.values()].find((u) => u.unit.SpaceID === s.SpaceID && u.unit.Slug === slug);
    if (!found) throw new Error(`stand-in: no unit ${space}/${slug}`);
    return found.unit;
  }

  data(space: string, slug: string): string {
    const u = this.unit(space, slug);
    const state = this.units.get(u.UnitID as string) as UnitState;
    return state.revisions.at(-1)?.data ?? "";
  }

  private spaceBy(ref: string): Obj {
    const s = this.spaces.get(ref) ?? [...this.spaces.values()].find((x) => x.Slug === ref);
    if (!s) throw new Error(`stand-in: no space ${ref}`);
    return s;
  }

  private revise(state: UnitState, data: string, description: string): void {
    const u = state.unit;
    const num = (u.HeadRevisionNum as number) + 1;
    const revision = {
      RevisionID: randomUUID(),
      RevisionNum: num,
      UnitID: u.UnitID,
      SpaceID: u.SpaceID,
      OrganizationID: this.org,
      Description: description,
      DataHash: hash(data),
      DataSize: Buffer.byteLength(data),
      CreatedAt: new Date().toISOString(),
      UpdatedAt: new Date().toISOString(),
      UserID: randomUUID(),
      Source: "UploadUnitData",
    };
    state.revisions.push({ revision, data });
    Object.assign(u, {
      HeadRevisionNum: num,
      HeadRevisionID: revision.RevisionID,
      DataHash: revision.DataHash,
      DataSize: revision.DataSize,
      LastChangeDescription: description,
      Version: (u.Version as number) + 1,
      UpdatedAt: revision.UpdatedAt,
    });
  }

  // ------------------------------------------------------------ HTTP

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://x");
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString("utf8");
    this.requests.push({
      method: req.method ?? "",
      path: url.pathname,
      query: url.searchParams,
      authorization: req.headers.authorization,
      ifMatch: req.headers["if-match"],
    });
    const op = findOperation(req.method ?? "", url.pathname);
    res.setHeader("ConfigHub-Version", this.version);
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      if (op && status !== 304) {
        for (const e of responseErrors(op.operationId, status, body))
          this.problems.push(`${op.operationId} ${status}: ${e}`);
      }
      res.writeHead(status, { "content-type": "application/json", ...headers }).end(JSON.stringify(body));
    };
    try {
      if (req.headers.authorization !== `Bearer ${this.token}`)
        return send(401, { Code: "401", Message: "Unauthorized: invalid or expired token" });
      if (!op) throw new HttpError(404, `no such endpoint ${req.method} ${url.pathname}`);
      for (const [name, v] of Object.entries(op.params))
        if (!UUID.test(v)) throw new HttpError(400, `invalid ${name} "${v}": must be a UUID`);
      const out = this.route(op.operationId, op.params, url.searchParams, req, raw, res);
      if (out === undefined) return;
      const [status, body, headers] = out;
      send(status, body, headers);
    } catch (err) {
      const status = err instanceof HttpError ? err.status : 500;
      send(status, { Code: String(status), Message: (err as Error).message });
    }
  }

  private route(
    opId: string,
    p: Record<string, string>,
    q: URLSearchParams,
    req: IncomingMessage,
    raw: string,
    res: ServerResponse,
  ): [number, unknown, Record<string, string>?] | undefined {
    const body = () => this.jsonBody(opId, req, raw);
    switch (opId) {
      case "ListSpaces": {
        const items = [...this.spaces.values()].filter((s) => matches(s, q.get("where"), "Space"));
        return this.page(
          items.map((s) => ({ Space: s, TotalUnitCount: this.unitsOf(s).length })),
          q,
        );
      }
      case "CreateSpace": {
        const b = body();
        if (typeof b.Slug !== "string") throw new HttpError(400, "Slug is required");
        if ([...this.spaces.values()].some((s) => s.Slug === b.Slug))
          throw new HttpError(409, `Space with slug ${b.Slug} already exists`);
        const s = this.addSpace(b.Slug, (b.Labels as Record<string, string>) ?? {});
        return [200, s];
      }
      case "GetSpace": {
        const s = this.spaceOr404(p.space_id);
        return [200, { Space: s, TotalUnitCount: this.unitsOf(s).length }];
      }
      case "DeleteSpace": {
        const s = this.spaceOr404(p.space_id);
        if (this.unitsOf(s).length && q.get("recursive") !== "true") throw new HttpError(409, "Space has units");
        for (const u of this.unitsOf(s)) this.units.delete(u.unit.UnitID as string);
        this.spaces.delete(s.SpaceID as string);
        return [200, { Message: `Space ${s.Slug} deleted` }];
      }
      case "ListUnits":
      case "ListAllUnits": {
        const space = p.space_id ? this.spaceOr404(p.space_id) : undefined;
        const states = [...this.units.values()].filter(
          (u) => (!space || u.unit.SpaceID === space.SpaceID) && matches(u.unit, q.get("where"), "Unit"),
        );
        return this.page(
          states.map((u) => this.extended(u.unit, q)),
          q,
        );
      }
      case "CreateUnit": {
        const s = this.spaceOr404(p.space_id);
        const b = body();
        if (typeof b.Slug !== "string" || typeof b.ToolchainType !== "string")
          throw new HttpError(400, "Slug and ToolchainType are required");
        const upstream = q.get("upstream_unit_id");
        const unit = this.addUnit(s.Slug as string, b.Slug, []);
        Object.assign(unit, {
          Labels: b.Labels ?? {},
          Annotations: b.Annotations ?? {},
          DisplayName: b.DisplayName ?? b.Slug,
        });
        const state = this.units.get(unit.UnitID as string) as UnitState;
        if (upstream) {
          const up = this.unitOr404(upstream);
          Object.assign(unit, { UpstreamUnitID: up.unit.UnitID, UpstreamSpaceID: up.unit.SpaceID });
          this.revise(state, up.revisions.at(-1)?.data ?? "", `Cloned from ${up.unit.Slug}`);
          unit.UpstreamRevisionNum = up.unit.HeadRevisionNum;
          state.fromUpstream = up.revisions.at(-1)?.data ?? "";
        } else {
          this.revise(state, "", "Created");
        }
        return [200, { Unit: unit }];
      }
      case "GetUnit":
        return [200, this.extended(this.unitIn(p).unit, q)];
      case "PatchUnit": {
        const state = this.unitIn(p);
        if (!String(req.headers["content-type"]).startsWith("application/merge-patch+json"))
          throw new HttpError(400, "PATCH takes application/merge-patch+json");
        const b = body();
        const restore = q.get("restore");
        if (restore !== null) {
          const old = this.restoreSource(state, restore);
          this.revise(state, old.data, `Restored revision ${old.revision.RevisionNum}`);
        }
        if (q.get("upgrade") === "true") this.upgrade(state);
        for (const k of ["Labels", "Annotations"] as const)
          if (b[k]) state.unit[k] = mergeMap(state.unit[k] as Obj, b[k] as Obj);
        if (typeof b.DisplayName === "string") state.unit.DisplayName = b.DisplayName;
        return [200, { Unit: state.unit }];
      }
      case "DeleteUnit": {
        const state = this.unitIn(p);
        this.units.delete(state.unit.UnitID as string);
        return [200, { Message: `Unit ${state.unit.Slug} deleted` }];
      }
      case "DownloadUnitData": {
        const state = this.unitIn(p);
        return this.octets(req, res, state.unit.DataHash as string, state.revisions.at(-1)?.data ?? "");
      }
      case "UploadUnitData": {
        const state = this.unitIn(p);
        if (!String(req.headers["content-type"]).startsWith("application/octet-stream"))
          throw new HttpError(400, "upload the data as application/octet-stream");
        const ifMatch = req.headers["if-match"];
        if (ifMatch && ifMatch.replace(/"/g, "") !== state.unit.DataHash)
          throw new HttpError(412, "the unit's data changed (If-Match)");
        if (hash(raw) !== state.unit.DataHash || state.unit.HeadRevisionNum === 0)
          this.revise(state, raw, q.get("last_change_description") ?? "");
        return [200, { Unit: state.unit }];
      }
      case "ListExtendedRevisions": {
        const state = this.unitIn(p);
        const limit = q.get("limit");
        if (limit !== null && (Number(limit) < 0 || Number(limit) > 1000))
          throw new HttpError(400, "limit must be 0..1000");
        const revs = state.revisions.filter((r) => matches(r.revision, q.get("where"), "Revision"));
        return this.page(
          revs.map((r) => ({ Revision: r.revision })),
          q,
        );
      }
      case "GetExtendedRevision":
        return [200, { Revision: this.revisionIn(p).revision }];
      case "DownloadRevisionData": {
        const r = this.revisionIn(p);
        return this.octets(req, res, r.revision.DataHash as string, r.data);
      }
      case "PublishRelease": {
        const s = this.spaceOr404(p.space_id);
        body();
        const units = this.unitsOf(s);
        for (const u of units) u.unit.LastReleasedRevisionNum = u.unit.HeadRevisionNum;
        const now = new Date().toISOString();
        return [
          200,
          {
            ReleaseID: randomUUID(),
            SpaceID: s.SpaceID,
            SpaceSlug: s.Slug,
            UnitCount: units.length,
            Published: true,
            CreatedAt: now,
            UpdatedAt: now,
          },
        ];
      }
      case "BulkPatchUnits": {
        body();
        if (q.get("upgrade") !== "true") throw new HttpError(501, "the stand-in bulk-patches only with upgrade=true");
        const results = [...this.units.values()]
          .filter((u) => matches(u.unit, q.get("where"), "Unit"))
          .map((u) => {
            try {
              this.upgrade(u);
              return { Unit: u.unit };
            } catch (err) {
              const status = err instanceof HttpError ? err.status : 500;
              return { Unit: u.unit, Error: { Code: String(status), Message: (err as Error).message, Status: status } };
            }
          });
        return [results.some((r) => r.Error) ? 207 : 200, results];
      }
      case "InvokeFunctions":
        return this.invoke(this.spaceOr404(p.space_id), q, body());
      default:
        throw new HttpError(501, `the stand-in does not serve ${opId}`);
    }
  }

  /** `restore=`: a number, `HeadRevisionNum`, `LastReleasedRevisionNum` or `Revision:<RevisionID>`. */
  private restoreSource(state: UnitState, restore: string) {
    const named: Record<string, unknown> = {
      HeadRevisionNum: state.unit.HeadRevisionNum,
      LastReleasedRevisionNum: state.unit.LastReleasedRevisionNum,
    };
    const found = restore.startsWith("Revision:")
      ? state.revisions.find((r) => r.revision.RevisionID === restore.slice("Revision:".length))
      : state.revisions.find((r) => r.revision.RevisionNum === (named[restore] ?? Number(restore)));
    if (!found) throw new HttpError(404, `revision ${restore} not found`);
    return found;
  }

  /** Takes the upstream's head. ConfigHub merges upstream changes over local ones; the stand-in models only a unit
   * without local changes since it last took the upstream, and says so otherwise (501), rather than guess. */
  private upgrade(state: UnitState): void {
    const upId = state.unit.UpstreamUnitID as string | undefined;
    if (!upId) throw new HttpError(400, `Unit ${state.unit.Slug} has no upstream unit`);
    const up = this.unitOr404(upId);
    const upData = up.revisions.at(-1)?.data ?? "";
    const head = state.revisions.at(-1)?.data ?? "";
    if (state.fromUpstream !== head && head !== upData)
      throw new HttpError(501, "the stand-in does not merge an upgrade over local changes");
    if (head !== upData) this.revise(state, upData, `Upgraded from ${up.unit.Slug}`);
    state.unit.UpstreamRevisionNum = up.unit.HeadRevisionNum;
    state.fromUpstream = upData;
  }

  /** One FunctionInvocationsResponse per unit matched; a function changing the data makes a revision. */
  private invoke(space: Obj, q: URLSearchParams, b: Obj): [number, unknown] {
    const invocations = (b.FunctionInvocations ?? []) as Array<{
      FunctionName: string;
      Arguments?: Array<{ ParameterName?: string; Value: unknown }>;
    }>;
    for (const i of invocations)
      if (!this.functions.has(i.FunctionName)) throw new HttpError(400, `function ${i.FunctionName} not found`);
    const results = this.unitsOf(space)
      .filter((u) => matches(u.unit, q.get("where"), "Unit"))
      .map((state) => {
        const before = state.revisions.at(-1)?.data ?? "";
        let data = before;
        const outputs: Record<string, string> = {};
        for (const i of invocations) {
          const args = Object.fromEntries((i.Arguments ?? []).map((a) => [a.ParameterName ?? "", String(a.Value)]));
          const out = (this.functions.get(i.FunctionName) as StandinFunction)(data, args);
          if (out.data !== undefined) data = out.data;
          for (const [k, v] of Object.entries(out.outputs ?? {}))
            outputs[k] = Buffer.from(JSON.stringify(v)).toString("base64");
        }
        const changed = data !== before;
        if (changed) this.revise(state, data, (b.ChangeDescription as string | undefined) ?? "");
        const u = state.unit;
        return {
          UnitID: u.UnitID,
          UnitSlug: u.Slug,
          SpaceID: u.SpaceID,
          SpaceSlug: u.SpaceSlug,
          OrganizationID: this.org,
          RevisionID: u.HeadRevisionID,
          DataHash: u.DataHash,
          Success: true,
          HasNewMutations: changed,
          Outputs: Object.keys(outputs).length ? outputs : null,
        };
      });
    return [200, results];
  }

  /** A request body, refused when it names a field the operation's schema does not declare (e.g. `Data`). */
  private jsonBody(opId: string, req: IncomingMessage, raw: string): Obj {
    const type = String(req.headers["content-type"] ?? "application/json").split(";")[0];
    let b: unknown;
    try {
      b = raw ? JSON.parse(raw) : {};
    } catch {
      throw new HttpError(400, "the body is not JSON");
    }
    if (typeof b !== "object" || b === null || Array.isArray(b)) throw new HttpError(400, "the body must be an object");
    const known = requestProperties(opId, type);
    const unknown = known ? Object.keys(b).filter((k) => !known.has(k)) : [];
    if (unknown.length) throw new HttpError(400, `unknown field(s) ${unknown.join(", ")} in the ${opId} body`);
    return b as Obj;
  }

  private page(items: unknown[], q: URLSearchParams): [number, unknown, Record<string, string>] {
    const offset = q.get("continue") ? Number(Buffer.from(q.get("continue") as string, "base64url").toString()) : 0;
    const limit = Math.min(Number(q.get("limit") ?? 1000) || 1000, this.pageSize);
    // The first page of a longer list is short: a client must follow the token, not count items.
    const size = offset === 0 && items.length > limit ? Math.max(1, limit - 1) : limit;
    const next = offset + size < items.length ? Buffer.from(String(offset + size)).toString("base64url") : undefined;
    return [200, items.slice(offset, offset + size), next ? { "ConfigHub-Continue": next } : {}];
  }

  private octets(req: IncomingMessage, res: ServerResponse, dataHash: string, data: string): undefined {
    const etag = `"${dataHash}"`;
    if (req.headers["if-none-match"] === etag) {
      res.writeHead(304, { etag }).end();
      return undefined;
    }
    res.writeHead(200, { "content-type": "application/octet-stream", etag }).end(data);
    return undefined;
  }

  private extended(unit: Obj, q: URLSearchParams): Obj {
    const include = new Set((q.get("include") ?? "").split(",").filter(Boolean));
    const out: Obj = { Unit: unit };
    if (include.has("SpaceID")) out.Space = this.spaces.get(unit.SpaceID as string);
    const state = this.units.get(unit.UnitID as string) as UnitState;
    const rev = (n: unknown) => state.revisions.find((r) => r.revision.RevisionNum === n)?.revision;
    if (include.has("HeadRevisionNum") && rev(unit.HeadRevisionNum)) out.HeadRevision = rev(unit.HeadRevisionNum);
    if (include.has("LastReleasedRevisionNum") && rev(unit.LastReleasedRevisionNum))
      out.LastReleasedRevision = rev(unit.LastReleasedRevisionNum);
    return out;
  }

  private unitsOf(s: Obj): UnitState[] {
    return [...this.units.values()].filter((u) => u.unit.SpaceID === s.SpaceID);
  }
  private spaceOr404(id: string): Obj {
    const s = this.spaces.get(id);
    if (!s) throw new HttpError(404, `Space ${id} not found`);
    return s;
  }
  private unitOr404(id: string): UnitState {
    const u = this.units.get(id);
    if (!u) throw new HttpError(404, `Unit ${id} not found`);
    return u;
  }
  private unitIn(p: Record<string, string>): UnitState {
    this.spaceOr404(p.space_id);
    const u = this.unitOr404(p.unit_id);
    if (u.unit.SpaceID !== p.space_id) throw new HttpError(404, `Unit ${p.unit_id} not found`);
    return u;
  }
  private revisionIn(p: Record<string, string>) {
    const r = this.unitIn(p).revisions.find((x) => x.revision.RevisionID === p.revision_id);
    if (!r) throw new HttpError(404, `Revision ${p.revision_id} not found`);
    return r;
  }
}

function mergeMap(current: Obj, patch: Obj): Obj {
  const out = { ...current };
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = v;
  }
  return out;
}

/** ConfigHub's `where`, the part tests use: conjunctions of `Attr op literal`; IS [NOT] NULL only on map keys. */
function matches(entity: Obj, where: string | null, kind: string): boolean {
  if (!where) return true;
  if (/\bOR\b/i.test(where)) throw new HttpError(400, "OR is not supported in where");
  return where.split(/\s+AND\s+/i).every((cond) => {
    const nul = /^([A-Za-z.]+)\s+IS\s+(NOT\s+)?NULL$/i.exec(cond.trim());
    if (nul) {
      const [head, key] = nul[1].split(".");
      if (!key || !["Labels", "Annotations"].includes(head))
        throw new HttpError(400, `IS NULL applies only to map keys such as Labels.tier, not ${nul[1]} of ${kind}`);
      const has = (entity[head] as Obj | undefined)?.[key] !== undefined;
      return nul[2] ? has : !has;
    }
    const m = /^([A-Za-z.]+)\s*(=|!=|>=|<=|>|<)\s*(?:'((?:[^']|'')*)'|(-?\d+))$/.exec(cond.trim());
    if (!m) throw new HttpError(400, `invalid where condition "${cond}"`);
    const [head, key] = m[1].split(".");
    const actual = key ? (entity[head] as Obj | undefined)?.[key] : entity[head];
    const want = m[3] !== undefined ? m[3].replace(/''/g, "'") : Number(m[4]);
    switch (m[2]) {
      case "=":
        return actual === want;
      case "!=":
        return actual !== want;
      case ">":
        return (actual as number) > (want as number);
      case "<":
        return (actual as number) < (want as number);
      case ">=":
        return (actual as number) >= (want as number);
      default:
        return (actual as number) <= (want as number);
    }
  });
}

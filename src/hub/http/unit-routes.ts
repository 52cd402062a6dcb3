import type { FastifyInstance } from "fastify";
import { toMutationConflict } from "../confighub/conflicts.js";
import type { RequestBody, ResponseBody } from "../confighub/wire.js";
import { badRequest } from "../errors.js";
import type { Hub } from "../hub.js";
import { project } from "../select.js";
import type { Labels, Unit, UnitInput, UnitListItem } from "../types.js";
import { boolParam, includes, intParam, listQuery, listSelect, objectBody, type Query, sendPage } from "./params.js";

type P = { Params: { sid: string; uid: string }; Querystring: Query };
type UnitBody = RequestBody<"CreateUnit">;

// ConfigHub's unit operations: reads answer ExtendedUnit, writes UnitCreateOrUpdateResponse, deletes DeleteResponse.
// A Unit body carries no data: that is `PUT …/unit/{id}/data` (data-routes.ts).

/** Fields of a unit body a caller may set; everything else (IDs, revision numbers, hashes) is the hub's. */
function unitFields(body: Partial<UnitBody>): Partial<UnitInput> {
  return {
    Slug: body.Slug,
    DisplayName: body.DisplayName ?? undefined,
    ToolchainType: body.ToolchainType,
    Labels: (body.Labels ?? undefined) as Labels | undefined,
    Annotations: (body.Annotations ?? undefined) as Labels | undefined,
    LastChangeDescription: body.LastChangeDescription ?? undefined,
  };
}

const selectUnit = (fields: Set<string> | undefined) => (i: UnitListItem) => ({
  ...i,
  Unit: project(i.Unit, fields) as Unit,
});

const written = (unit: Unit): ResponseBody<"UpdateUnit"> => ({ Unit: unit });

export function registerUnitRoutes(api: FastifyInstance, hub: Hub): void {
  api.get<P>("/unit", async (req, reply) => {
    const fields = listSelect(req.query, "unit");
    return sendPage(reply, await hub.listUnits(listQuery(req.query)), selectUnit(fields));
  });

  // Bulk upgrade: `PATCH /unit?where=…&upgrade=true`, one result per unit; 200 when all succeeded, else 207.
  api.patch<P>("/unit", async (req, reply) => {
    if (!boolParam(req.query.upgrade)) throw badRequest("bulk PATCH /unit supports upgrade=true only");
    const results = await hub.bulkUpgrade(req.query.where);
    const body: ResponseBody<"BulkPatchUnits"> = results.map((r) => ({
      ...(r.unit ? { Unit: r.unit } : {}),
      Conflicts: (r.conflicts ?? []).map(toMutationConflict),
      ...(r.error ? { Error: { Message: r.error.message, Status: r.error.status } } : {}),
    }));
    return reply.code(results.some((r) => r.error) ? 207 : 200).send(body);
  });

  api.get<P>("/space/:sid/unit", async (req, reply) => {
    const fields = listSelect(req.query, "unit");
    return sendPage(reply, await hub.listUnits({ ...listQuery(req.query), space: req.params.sid }), selectUnit(fields));
  });

  // With upstream_space_id and upstream_unit_id it clones the upstream unit (and its data) into this space.
  api.post<P>("/space/:sid/unit", async (req): Promise<ResponseBody<"CreateUnit">> => {
    const fields = unitFields(objectBody(req.body) as UnitBody);
    const { upstream_space_id: us, upstream_unit_id: uu } = req.query;
    if ((us === undefined) !== (uu === undefined))
      throw badRequest("clone needs both upstream_space_id and upstream_unit_id");
    if (!uu && (!fields.Slug || !fields.ToolchainType)) throw badRequest("a Unit needs Slug and ToolchainType");
    return written(
      uu
        ? await hub.cloneUnit(req.params.sid, us as string, uu, fields)
        : await hub.createUnit(req.params.sid, fields as UnitInput, { dataFollows: true }),
    );
  });

  // Related entities only for what `include` names, as ConfigHub does.
  api.get<P>("/space/:sid/unit/:uid", async (req): Promise<ResponseBody<"GetUnit">> => {
    const unit = await hub.getUnit(req.params.sid, req.params.uid);
    const include = includes(req.query.include);
    const out: ResponseBody<"GetUnit"> = { Unit: unit };
    if (include.has("SpaceID")) out.Space = await hub.getSpace(unit.SpaceID);
    if (include.has("UpstreamUnitID") && unit.UpstreamUnitID && unit.UpstreamSpaceID)
      out.UpstreamUnit = await hub.getUnit(unit.UpstreamSpaceID, unit.UpstreamUnitID).catch(() => undefined);
    if (include.has("HeadRevisionNum") && unit.HeadRevisionNum > 0)
      out.HeadRevision = (await hub.getRevision(unit.SpaceID, unit.UnitID, unit.HeadRevisionNum)).revision;
    if (include.has("LastReleasedRevisionNum") && unit.LastReleasedRevisionNum > 0)
      out.LastReleasedRevision = (
        await hub.getRevision(unit.SpaceID, unit.UnitID, unit.LastReleasedRevisionNum)
      ).revision;
    return out;
  });

  api.put<P>("/space/:sid/unit/:uid", async (req): Promise<ResponseBody<"UpdateUnit">> => {
    const body = objectBody(req.body) as UnitBody;
    return written(
      await hub.updateUnit(req.params.sid, req.params.uid, {
        ...unitFields(body),
        Labels: (body.Labels as Labels) ?? {},
        Annotations: (body.Annotations as Labels) ?? {},
        Version: body.Version,
      }),
    );
  });

  // PATCH: a merge patch of the unit; `?upgrade=true` merges from upstream, `?restore=N` (or `Revision:<id>`) rolls
  // back. `LastAppliedRevisionNum` in the patch is our extension (what `unit apply` applied).
  api.patch<P>("/space/:sid/unit/:uid", async (req): Promise<ResponseBody<"PatchUnit">> => {
    const { sid, uid } = req.params;
    const body = objectBody(req.body) as RequestBody<"PatchUnit"> & { LastAppliedRevisionNum?: number };
    const fields = unitFields(body as Partial<UnitBody>);
    const version = body.Version ?? undefined;
    const description = fields.LastChangeDescription;
    if (boolParam(req.query.upgrade)) {
      const r = await hub.upgradeUnit(sid, uid, { patch: fields, version, description });
      return { Unit: r.unit, Conflicts: r.conflicts.map(toMutationConflict) };
    }
    const restore = restoreTarget(req.query.restore) ?? req.query.revision_id;
    if (restore !== undefined) return written(await hub.restoreUnit(sid, uid, restore, { version, description }));
    let unit = await hub.updateUnit(sid, uid, { ...fields, Version: version }, { ifMatch: req.headers["if-match"] });
    if (body.LastAppliedRevisionNum !== undefined)
      unit = await hub.markApplied(sid, uid, Number(body.LastAppliedRevisionNum));
    return written(unit);
  });

  api.delete<P>("/space/:sid/unit/:uid", async (req): Promise<ResponseBody<"DeleteUnit">> => {
    const unit = await hub.getUnit(req.params.sid, req.params.uid);
    await hub.deleteUnit(req.params.sid, unit.UnitID, { version: intParam(req.query.version, "version") });
    return { Message: `deleted unit ${unit.SpaceSlug}/${unit.Slug}` };
  });
}

/** `restore=`: a revision number or `Revision:<RevisionID>` (ConfigHub's other forms are not served here). */
function restoreTarget(v: string | undefined): number | string | undefined {
  if (v === undefined) return undefined;
  if (v.startsWith("Revision:")) return v.slice("Revision:".length);
  return intParam(v, "restore");
}

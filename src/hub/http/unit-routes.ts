import type { FastifyInstance } from "fastify";
import { badRequest } from "../errors.js";
import type { Hub } from "../hub.js";
import { project } from "../select.js";
import type { Labels, UnitInput, UnitListItem } from "../types.js";
import { boolParam, dataField, intParam, listQuery, listSelect, objectBody, type Query, sendPage } from "./params.js";

type P = { Params: { sid: string; uid: string }; Querystring: Query };

// Fields of a unit body a caller may set; everything else (IDs, revision numbers, hashes) is the hub's.
function unitFields(body: Record<string, unknown>): Partial<UnitInput> {
  return {
    Slug: body.Slug as string | undefined,
    DisplayName: body.DisplayName as string | undefined,
    ToolchainType: body.ToolchainType as string | undefined,
    Labels: body.Labels as Labels | undefined,
    Annotations: body.Annotations as Labels | undefined,
    LastChangeDescription: body.LastChangeDescription as string | undefined,
    Data: dataField(body.Data),
  };
}

const selectUnit = (fields: Set<string> | undefined) => (i: UnitListItem) => ({ ...i, Unit: project(i.Unit, fields) });

export function registerUnitRoutes(api: FastifyInstance, hub: Hub): void {
  api.get<P>("/unit", async (req, reply) => {
    const fields = listSelect(req.query, "unit");
    return sendPage(reply, await hub.listUnits(listQuery(req.query)), selectUnit(fields));
  });

  // Bulk upgrade: `PATCH /unit?where=…&upgrade=true`, one result per unit; 200 when all succeeded, else 207.
  api.patch<P>("/unit", async (req, reply) => {
    if (!boolParam(req.query.upgrade)) throw badRequest("bulk PATCH /unit supports upgrade=true only");
    const results = await hub.bulkUpgrade(req.query.where);
    const failed = results.some((r) => r.error);
    return reply.code(failed ? 207 : 200).send(
      results.map((r) => ({
        Unit: r.unit,
        Conflicts: r.conflicts ?? [],
        Error: r.error ? { Code: String(r.error.status), Message: r.error.message } : null,
      })),
    );
  });

  api.get<P>("/space/:sid/unit", async (req, reply) => {
    const fields = listSelect(req.query, "unit");
    return sendPage(reply, await hub.listUnits({ ...listQuery(req.query), space: req.params.sid }), selectUnit(fields));
  });

  // With upstream_space_id and upstream_unit_id it clones the upstream unit into this space.
  api.post<P>("/space/:sid/unit", async (req) => {
    const fields = unitFields(objectBody(req.body));
    const { upstream_space_id: us, upstream_unit_id: uu } = req.query;
    if ((us === undefined) !== (uu === undefined))
      throw badRequest("clone needs both upstream_space_id and upstream_unit_id");
    const unit = uu
      ? await hub.cloneUnit(req.params.sid, us as string, uu, fields)
      : await hub.createUnit(req.params.sid, fields as UnitInput);
    return { Unit: unit, Error: null };
  });

  api.get<P>("/space/:sid/unit/:uid", async (req) => hub.getUnit(req.params.sid, req.params.uid));

  api.put<P>("/space/:sid/unit/:uid", async (req) => {
    const body = objectBody(req.body);
    const unit = await hub.updateUnit(req.params.sid, req.params.uid, {
      ...unitFields(body),
      Labels: (body.Labels as Labels) ?? {},
      Annotations: (body.Annotations as Labels) ?? {},
      Version: body.Version as number | undefined,
    });
    return { Unit: unit, Error: null };
  });

  // PATCH: a merge patch of the unit; `?upgrade=true` merges from upstream, `?restore=N` (or revision_id) rolls back.
  api.patch<P>("/space/:sid/unit/:uid", async (req) => {
    const { sid, uid } = req.params;
    const body = objectBody(req.body);
    const fields = unitFields(body);
    const version = body.Version as number | undefined;
    const restore = intParam(req.query.restore, "restore") ?? req.query.revision_id;
    const description = fields.LastChangeDescription;
    if (boolParam(req.query.upgrade)) {
      const r = await hub.upgradeUnit(sid, uid, { patch: fields, version, description });
      return { Unit: r.unit, Conflicts: r.conflicts, Error: null };
    }
    if (restore !== undefined)
      return { Unit: await hub.restoreUnit(sid, uid, restore, { version, description }), Error: null };
    let unit = await hub.updateUnit(sid, uid, { ...fields, Version: version }, { ifMatch: req.headers["if-match"] });
    // Our extension: recording delivery (what `unit apply` / `release publish` did).
    for (const [field, key] of [
      ["applied", "LastAppliedRevisionNum"],
      ["released", "LastReleasedRevisionNum"],
    ] as const) {
      if (body[key] !== undefined) unit = await hub.markDelivered(sid, uid, field, Number(body[key]));
    }
    return { Unit: unit, Error: null };
  });

  api.delete<P>("/space/:sid/unit/:uid", async (req) => {
    const unit = await hub.getUnit(req.params.sid, req.params.uid);
    await hub.deleteUnit(req.params.sid, unit.UnitID, { version: intParam(req.query.version, "version") });
    return { Unit: unit, Error: null };
  });
}

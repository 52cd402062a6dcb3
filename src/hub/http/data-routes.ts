import type { FastifyInstance } from "fastify";
import type { RequestBody, ResponseBody } from "../confighub/wire.js";
import { badRequest } from "../errors.js";
import type { Hub } from "../hub.js";
import { project } from "../select.js";
import type { FunctionInvocation, Revision } from "../types.js";
import { listQuery, listSelect, objectBody, type Query, sendPage } from "./params.js";

type P = { Params: { sid: string; uid: string; rid: string }; Querystring: Query };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** ConfigHub addresses a revision by its RevisionID only: a number in the path is a 400 there, and here. */
function revisionId(rid: string): string {
  if (!UUID.test(rid)) throw badRequest(`revision_id "${rid}" is not a RevisionID (UUID)`);
  return rid;
}

const quoted = (hash: string) => `"${hash}"`;

function matches(ifNoneMatch: string | undefined, hash: string): boolean {
  if (!ifNoneMatch) return false;
  return ifNoneMatch.split(",").some((t) => {
    const tag = t.trim().replace(/^W\//, "");
    return tag === "*" || tag === quoted(hash);
  });
}

export function registerDataRoutes(api: FastifyInstance, hub: Hub): void {
  // The head data as text; ETag is the DataHash, so pollers send If-None-Match and get 304 while nothing changed.
  api.get<P>("/space/:sid/unit/:uid/data", async (req, reply) => {
    const unit = await hub.getUnit(req.params.sid, req.params.uid);
    reply.header("ETag", quoted(unit.DataHash)).header("ConfigHub-Revision-Num", String(unit.HeadRevisionNum));
    if (matches(req.headers["if-none-match"], unit.DataHash)) return reply.code(304).send();
    const { data, unit: now } = await hub.getUnitData(req.params.sid, unit.UnitID);
    reply.header("ETag", quoted(now.DataHash)).header("ConfigHub-Revision-Num", String(now.HeadRevisionNum));
    return reply.type("application/octet-stream").send(data);
  });

  api.put<P>("/space/:sid/unit/:uid/data", async (req, reply): Promise<ResponseBody<"UploadUnitData">> => {
    if (typeof req.body !== "string")
      throw badRequest("send the data as text (Content-Type: application/octet-stream)");
    const description = req.query.last_change_description ?? req.query.change_description;
    const unit = await hub.putUnitData(req.params.sid, req.params.uid, req.body, {
      ifMatch: req.headers["if-match"],
      description,
    });
    reply.header("ETag", quoted(unit.DataHash));
    return { Unit: unit };
  });

  // Revisions take the list parameters too (where over revision attributes, contains over Description, select, …).
  api.get<P>("/space/:sid/unit/:uid/revision", async (req, reply) => {
    const fields = listSelect(req.query, "revision");
    const page = await hub.listRevisionPage(req.params.sid, req.params.uid, listQuery(req.query));
    return sendPage(reply, page, (r): ResponseBody<"ListExtendedRevisions">[number] => ({
      Revision: project(r, fields) as Revision,
    }));
  });

  api.get<P>(
    "/space/:sid/unit/:uid/revision/:rid",
    async (req): Promise<ResponseBody<"GetExtendedRevision">> => ({
      Revision: (await hub.getRevision(req.params.sid, req.params.uid, revisionId(req.params.rid))).revision,
    }),
  );

  api.get<P>("/space/:sid/unit/:uid/revision/:rid/data", async (req, reply) => {
    const rid = revisionId(req.params.rid);
    const { revision, data } = await hub.getRevision(req.params.sid, req.params.uid, rid);
    reply.header("ETag", quoted(revision.DataHash));
    if (matches(req.headers["if-none-match"], revision.DataHash)) return reply.code(304).send();
    return reply.type("application/octet-stream").send(data);
  });

  // One result per unit the where selects; 200 when every unit succeeded, 207 otherwise.
  api.post<P>("/space/:sid/function/invoke", async (req, reply) => {
    const body = objectBody(req.body) as RequestBody<"InvokeFunctions">;
    const results: ResponseBody<"InvokeFunctions"> = await hub.invokeFunctions(
      req.params.sid,
      req.query.where,
      (body.FunctionInvocations ?? []) as FunctionInvocation[],
      body.ChangeDescription,
    );
    return reply.code(results.some((r) => !r.Success) ? 207 : 200).send(results);
  });

  // Releases every unit of the space at its head revision; answers the bare Release.
  api.post<P>("/space/:sid/release", async (req): Promise<ResponseBody<"PublishRelease">> => {
    objectBody(req.body) as RequestBody<"PublishRelease">;
    return hub.publishRelease(req.params.sid);
  });
}

import type { FastifyInstance } from "fastify";
import { badRequest } from "../errors.js";
import type { Hub } from "../hub.js";
import { project } from "../select.js";
import type { FunctionInvocation } from "../types.js";
import { listQuery, listSelect, objectBody, type Query, sendPage } from "./params.js";

type P = { Params: { sid: string; uid: string; rid: string }; Querystring: Query };

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

  api.put<P>("/space/:sid/unit/:uid/data", async (req, reply) => {
    if (typeof req.body !== "string")
      throw badRequest("send the data as text (Content-Type: application/octet-stream)");
    const description = req.query.change_description ?? header(req.headers["x-change-description"]);
    const unit = await hub.putUnitData(req.params.sid, req.params.uid, req.body, {
      ifMatch: header(req.headers["if-match"]),
      description,
    });
    reply.header("ETag", quoted(unit.DataHash));
    return { Unit: unit, Error: null };
  });

  // Revisions take the list parameters too (where over revision attributes, contains over Description, select, …).
  api.get<P>("/space/:sid/unit/:uid/revision", async (req, reply) => {
    const fields = listSelect(req.query, "revision");
    const page = await hub.listRevisionPage(req.params.sid, req.params.uid, listQuery(req.query));
    return sendPage(reply, page, (r) => ({ Revision: project(r, fields) }));
  });

  api.get<P>(
    "/space/:sid/unit/:uid/revision/:rid",
    async (req) => (await hub.getRevision(req.params.sid, req.params.uid, req.params.rid)).revision,
  );

  api.get<P>("/space/:sid/unit/:uid/revision/:rid/data", async (req, reply) => {
    const { revision, data } = await hub.getRevision(req.params.sid, req.params.uid, req.params.rid);
    reply.header("ETag", quoted(revision.DataHash));
    if (matches(req.headers["if-none-match"], revision.DataHash)) return reply.code(304).send();
    return reply.type("application/octet-stream").send(data);
  });

  // One result per unit the where selects; 200 when every unit succeeded, 207 otherwise.
  api.post<P>("/space/:sid/function/invoke", async (req, reply) => {
    const body = objectBody(req.body);
    const results = await hub.invokeFunctions(
      req.params.sid,
      req.query.where ?? (body.Where as string | undefined),
      body.FunctionInvocations as FunctionInvocation[],
      body.ChangeDescription as string | undefined,
    );
    return reply.code(results.some((r) => r.Error) ? 207 : 200).send(results);
  });
}

function header(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

import type { FastifyInstance } from "fastify";
import type { RequestBody, ResponseBody } from "../confighub/wire.js";
import type { Hub } from "../hub.js";
import { project } from "../select.js";
import type { Labels, SpaceInput } from "../types.js";
import { boolParam, listQuery, listSelect, objectBody, type Query, sendPage } from "./params.js";

type P = { Params: { sid: string }; Querystring: Query };

// ConfigHub's space operations: reads answer ExtendedSpace, writes the bare Space, deletes a DeleteResponse.
export function registerSpaceRoutes(api: FastifyInstance, hub: Hub): void {
  api.get<P>("/space", async (req, reply) => {
    const fields = listSelect(req.query, "space");
    return sendPage(reply, await hub.listSpaces(listQuery(req.query)), (i): ResponseBody<"ListSpaces">[number] => ({
      ...i,
      Space: project(i.Space, fields) as typeof i.Space,
    }));
  });

  api.post<P>(
    "/space",
    async (req): Promise<ResponseBody<"CreateSpace">> =>
      hub.createSpace(spaceInput(objectBody(req.body) as RequestBody<"CreateSpace">) as SpaceInput),
  );

  api.get<P>("/space/:sid", async (req): Promise<ResponseBody<"GetSpace">> => {
    const space = await hub.getSpace(req.params.sid);
    const [item] = (await hub.listSpaces({ where: `SpaceID = '${space.SpaceID}'` })).items;
    return item ?? { Space: space, TotalUnitCount: 0 };
  });

  // PUT replaces the settable fields (absent ones reset), PATCH merges.
  api.put<P>("/space/:sid", async (req): Promise<ResponseBody<"UpdateSpace">> => {
    const body = objectBody(req.body) as RequestBody<"UpdateSpace">;
    const current = await hub.getSpace(req.params.sid);
    return hub.updateSpace(req.params.sid, {
      Slug: body.Slug ?? current.Slug,
      DisplayName: body.DisplayName ?? current.Slug,
      Labels: nullify(current.Labels, body.Labels) as Labels,
      Annotations: nullify(current.Annotations, body.Annotations) as Labels,
      Version: body.Version,
    });
  });

  api.patch<P>("/space/:sid", async (req): Promise<ResponseBody<"PatchSpace">> => {
    const body = objectBody(req.body) as RequestBody<"PatchSpace">;
    return hub.updateSpace(req.params.sid, { ...spaceInput(body), Version: body.Version ?? undefined });
  });

  api.delete<P>("/space/:sid", async (req): Promise<ResponseBody<"DeleteSpace">> => {
    const space = await hub.getSpace(req.params.sid);
    await hub.deleteSpace(space.SpaceID, { recursive: boolParam(req.query.recursive) });
    return { Message: `deleted space ${space.Slug}` };
  });
}

/** The settable fields of a Space body; read-only ones are ignored, as ConfigHub does. */
function spaceInput(body: {
  Slug?: string | null;
  DisplayName?: string | null;
  Labels?: unknown;
  Annotations?: unknown;
}) {
  return {
    Slug: body.Slug ?? undefined,
    DisplayName: body.DisplayName ?? undefined,
    Labels: body.Labels as Labels | undefined,
    Annotations: body.Annotations as Labels | undefined,
  };
}

/** For PUT: keys of the current map that the new one lacks become null (removed by the merge). */
function nullify(current: Record<string, string>, next: unknown): Record<string, string | null> | undefined {
  if (next === undefined || next === null) return Object.fromEntries(Object.keys(current).map((k) => [k, null]));
  const out: Record<string, string | null> = { ...(next as Record<string, string>) };
  for (const k of Object.keys(current)) if (!(k in out)) out[k] = null;
  return out;
}

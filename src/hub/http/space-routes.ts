import type { FastifyInstance } from "fastify";
import type { Hub } from "../hub.js";
import { project } from "../select.js";
import type { Labels, SpaceInput } from "../types.js";
import { boolParam, listQuery, listSelect, objectBody, type Query, sendPage } from "./params.js";

type P = { Params: { sid: string }; Querystring: Query };

export function registerSpaceRoutes(api: FastifyInstance, hub: Hub): void {
  api.get<P>("/space", async (req, reply) => {
    const fields = listSelect(req.query, "space");
    return sendPage(reply, await hub.listSpaces(listQuery(req.query)), (i) => ({
      ...i,
      Space: project(i.Space, fields),
    }));
  });

  api.post<P>("/space", async (req) => ({
    Space: await hub.createSpace(objectBody(req.body) as unknown as SpaceInput),
    Error: null,
  }));

  api.get<P>("/space/:sid", async (req) => hub.getSpace(req.params.sid));

  // PUT replaces the settable fields (absent ones reset), PATCH merges.
  api.put<P>("/space/:sid", async (req) => {
    const body = objectBody(req.body);
    const current = await hub.getSpace(req.params.sid);
    const space = await hub.updateSpace(req.params.sid, {
      Slug: (body.Slug as string) ?? current.Slug,
      DisplayName: (body.DisplayName as string) ?? current.Slug,
      Labels: nullify(current.Labels, body.Labels) as Labels,
      Annotations: nullify(current.Annotations, body.Annotations) as Labels,
      Version: body.Version as number | undefined,
    });
    return { Space: space, Error: null };
  });

  api.patch<P>("/space/:sid", async (req) => ({
    Space: await hub.updateSpace(req.params.sid, objectBody(req.body) as Partial<SpaceInput> & { Version?: number }),
    Error: null,
  }));

  api.delete<P>("/space/:sid", async (req) => {
    const space = await hub.getSpace(req.params.sid);
    await hub.deleteSpace(space.SpaceID, { recursive: boolParam(req.query.recursive) });
    return { Space: space, Error: null };
  });
}

/** For PUT: keys of the current map that the new one lacks become null (removed by the merge). */
function nullify(current: Record<string, string>, next: unknown): Record<string, string | null> | undefined {
  if (next === undefined || next === null) return Object.fromEntries(Object.keys(current).map((k) => [k, null]));
  const out: Record<string, string | null> = { ...(next as Record<string, string>) };
  for (const k of Object.keys(current)) if (!(k in out)) out[k] = null;
  return out;
}

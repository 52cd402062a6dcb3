import type { FastifyReply } from "fastify";
import { badRequest } from "../errors.js";
import { parseSelect, type SelectEntity } from "../select.js";
import type { ListQuery, Page } from "../types.js";
import { parseWhere } from "../where.js";

export type Query = Record<string, string | undefined>;

export function listQuery(q: Query): ListQuery {
  return {
    where: q.where,
    contains: q.contains,
    limit: q.limit === undefined ? undefined : Number(q.limit),
    continue: q.continue,
    orderBy: q.order_by,
  };
}

/** The list's `select` (undefined: every field); a bad one (or a bad `where`) is a 400 before any query runs. */
export function listSelect(q: Query, entity: SelectEntity): Set<string> | undefined {
  return parseSelect(q.select, entity, { where: parseWhere(q.where), contains: q.contains });
}

/** Sends one page of a list (each item through `map`), the next page's token in `ConfigHub-Continue`. */
export function sendPage<T, R = T>(reply: FastifyReply, page: Page<T>, map?: (item: T) => R) {
  if (page.next) reply.header("ConfigHub-Continue", page.next);
  return reply.send(map ? page.items.map(map) : page.items);
}

export function boolParam(v: string | undefined): boolean {
  return v === "true" || v === "1" || v === "";
}

export function intParam(v: string | undefined, name: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n)) throw badRequest(`${name} must be a whole number, got "${v}"`);
  return n;
}

/** A JSON body that must be an object (or absent / null). */
export function objectBody(body: unknown): Record<string, unknown> {
  if (body === undefined || body === null || body === "") return {};
  if (typeof body !== "object" || Array.isArray(body)) throw badRequest("the body must be a JSON object");
  return body as Record<string, unknown>;
}

/** The names of an `include` parameter (comma-separated). */
export function includes(v: string | undefined): Set<string> {
  return new Set(
    (v ?? "")
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean),
  );
}

import { badRequest } from "./errors.js";
import type { Condition, Operand } from "./where.js";

// Compiles parsed `where` conditions into a parameterised SQL predicate over the hub tables, so that filtering runs
// in the database with its indexes. Literals are always parameters, never spliced into the SQL.

type ColType = "text" | "int" | "time";
interface Column {
  sql: string;
  type: ColType;
}

export type WhereEntity = "unit" | "space" | "revision";

const SPACE_COLUMNS: Record<string, [string, ColType]> = {
  SpaceID: ["space_id::text", "text"],
  Slug: ["slug", "text"],
  DisplayName: ["display_name", "text"],
  Version: ["version", "int"],
  CreatedAt: ["created_at", "time"],
  UpdatedAt: ["updated_at", "time"],
};

const UNIT_COLUMNS: Record<string, [string, ColType]> = {
  UnitID: ["unit_id::text", "text"],
  SpaceID: ["space_id::text", "text"],
  Slug: ["slug", "text"],
  DisplayName: ["display_name", "text"],
  ToolchainType: ["toolchain_type", "text"],
  LastChangeDescription: ["last_change_description", "text"],
  DataHash: ["data_hash", "text"],
  DataSize: ["data_size", "int"],
  HeadRevisionNum: ["head_revision_num", "int"],
  HeadRevisionID: ["head_revision_id::text", "text"],
  LastReleasedRevisionNum: ["last_released_revision_num", "int"],
  LastAppliedRevisionNum: ["last_applied_revision_num", "int"],
  UpstreamUnitID: ["upstream_unit_id::text", "text"],
  UpstreamSpaceID: ["upstream_space_id::text", "text"],
  UpstreamRevisionNum: ["upstream_revision_num", "int"],
  Version: ["version", "int"],
  CreatedAt: ["created_at", "time"],
  UpdatedAt: ["updated_at", "time"],
};

// Revisions have no labels and no related entities here: their own columns only.
const REVISION_COLUMNS: Record<string, [string, ColType]> = {
  RevisionID: ["revision_id::text", "text"],
  RevisionNum: ["revision_num", "int"],
  UnitID: ["unit_id::text", "text"],
  SpaceID: ["space_id::text", "text"],
  Description: ["description", "text"],
  DataHash: ["data_hash", "text"],
  DataSize: ["data_size", "int"],
  UserID: ["user_id", "text"],
  CreatedAt: ["created_at", "time"],
};

const COLUMNS: Record<WhereEntity, Record<string, [string, ColType]>> = {
  unit: UNIT_COLUMNS,
  space: SPACE_COLUMNS,
  revision: REVISION_COLUMNS,
};
const ENTITY_NAME: Record<WhereEntity, string> = { unit: "Unit", space: "Space", revision: "Revision" };

/** Table aliases the compiled SQL uses: the caller's query must define them. */
export const ALIASES = { unit: "u", space: "s", upstreamUnit: "uu", upstreamSpace: "us", revision: "r" } as const;
const ROOT: Record<WhereEntity, string> = { unit: ALIASES.unit, space: ALIASES.space, revision: ALIASES.revision };

export interface CompiledWhere {
  sql: string;
  params: unknown[];
  /** The query must left-join the upstream unit as `uu` (and its space as `us`). */
  usesUpstream: boolean;
}

/** `firstParam`: the number of the first `$n` placeholder to use. */
export function compileWhere(conditions: Condition[], entity: WhereEntity, firstParam = 1): CompiledWhere {
  const params: unknown[] = [];
  let usesUpstream = false;
  const param = (v: unknown) => {
    params.push(v);
    return `$${firstParam + params.length - 1}`;
  };

  const resolve = (path: string, ent: WhereEntity, alias: string, depth = 0): Column => {
    const dot = path.indexOf(".");
    const head = dot < 0 ? path : path.slice(0, dot);
    const rest = dot < 0 ? "" : path.slice(dot + 1);
    if ((head === "Labels" || head === "Annotations") && rest && ent !== "revision") {
      return { sql: `(${alias}.${head.toLowerCase()} ->> ${param(rest)})`, type: "text" };
    }
    if (ent === "unit" && rest && depth === 0) {
      if (head === "Space") return resolve(rest, "space", ALIASES.space, depth + 1);
      if (head === "UpstreamUnit") {
        usesUpstream = true;
        return resolve(rest, "unit", ALIASES.upstreamUnit, depth + 1);
      }
      if (head === "UpstreamSpace") {
        usesUpstream = true;
        return resolve(rest, "space", ALIASES.upstreamSpace, depth + 1);
      }
    }
    if (ent === "unit" && path === "SpaceSlug") {
      return { sql: `${alias === ALIASES.unit ? ALIASES.space : ALIASES.upstreamSpace}.slug`, type: "text" };
    }
    const col = COLUMNS[ent][path];
    if (!col) {
      const known = [
        ...Object.keys(COLUMNS[ent]),
        ...(ent === "revision" ? [] : ["Labels.KEY", "Annotations.KEY"]),
        ...(ent === "unit" ? ["SpaceSlug", "Space.X", "UpstreamUnit.X"] : []),
      ].join(", ");
      throw badRequest(`where: unknown attribute "${path}" of ${ENTITY_NAME[ent]} (known: ${known})`);
    }
    return { sql: `${alias}.${col[0]}`, type: col[1] };
  };

  const literal = (attr: string, col: Column, operand: Operand): string => {
    if ("attr" in operand) {
      const other = resolve(operand.attr, entity, ROOT[entity]);
      if (other.type !== col.type)
        throw badRequest(`where: cannot compare ${attr} (${col.type}) with ${operand.attr} (${other.type})`);
      return other.sql;
    }
    const v = operand.value;
    if (col.type === "int") {
      const n = typeof v === "number" ? v : typeof v === "string" && /^-?\d+$/.test(v) ? Number(v) : Number.NaN;
      if (!Number.isInteger(n)) throw badRequest(`where: ${attr} is a number, got ${JSON.stringify(v)}`);
      return `${param(n)}::integer`;
    }
    if (col.type === "time") {
      if (typeof v !== "string" || Number.isNaN(Date.parse(v)))
        throw badRequest(`where: ${attr} is a time, got ${JSON.stringify(v)}`);
      return `${param(new Date(v).toISOString())}::timestamptz`;
    }
    return `${param(String(v))}::text`;
  };

  const parts = conditions.map((c) => {
    const col = resolve(c.attr, entity, ROOT[entity]);
    switch (c.op) {
      case "IS NULL":
      case "IS NOT NULL":
        return `${col.sql} ${c.op}`;
      case "IN":
      case "NOT IN": {
        const list = (c.right as Operand[]).map((o) => literal(c.attr, col, o));
        return `${col.sql} ${c.op} (${list.join(", ")})`;
      }
      case "LIKE":
      case "NOT LIKE":
      case "ILIKE":
      case "NOT ILIKE":
        if (col.type !== "text") throw badRequest(`where: ${c.op} needs a text attribute, ${c.attr} is a ${col.type}`);
        return `${col.sql} ${c.op} ${literal(c.attr, col, c.right as Operand)}`;
      default:
        return `${col.sql} ${c.op} ${literal(c.attr, col, c.right as Operand)}`;
    }
  });
  return { sql: parts.length ? parts.join(" and ") : "true", params, usesUpstream };
}

/** `order_by`: `Slug`, `CreatedAt DESC`, … over plain columns only. */
export function compileOrderBy(orderBy: string | undefined, entity: WhereEntity): string | undefined {
  if (!orderBy?.trim()) return undefined;
  const m = /^\s*([A-Za-z]+)(?:\s+(ASC|DESC))?\s*$/i.exec(orderBy);
  const col = m ? COLUMNS[entity][m[1]] : undefined;
  if (!m || !col) throw badRequest(`order_by: expected an attribute and optional ASC/DESC, got "${orderBy}"`);
  return `${ROOT[entity]}.${col[0]} ${(m[2] ?? "asc").toLowerCase()}`;
}

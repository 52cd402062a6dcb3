import { badRequest } from "./errors.js";
import type { Revision, Space, Unit } from "./types.js";
import type { Condition, Operand } from "./where.js";

// `select` on lists: a comma-separated list of the entity's top-level fields (PascalCase, as in the JSON) to return.
// As in ConfigHub's API: the entity's and its parents' IDs and its Slug always come back, and so do the fields the
// `where` and `contains` filters used; no `select` (or an empty one) returns every field. It picks fields of the
// list's own entity (the `Space` of a space list, the `Unit` of a unit list, the `Revision` of a revision list);
// the rest of a list item's wrapper is left as it is.

export type SelectEntity = "space" | "unit" | "revision";

const keys = <T>(fields: Record<keyof T, true>) => Object.keys(fields);

/** Every field of each entity: the compiler checks these lists against the types. */
const FIELDS: Record<SelectEntity, readonly string[]> = {
  space: keys<Space>({
    SpaceID: true,
    Slug: true,
    DisplayName: true,
    Labels: true,
    Annotations: true,
    Version: true,
    CreatedAt: true,
    UpdatedAt: true,
  }),
  unit: keys<Unit>({
    UnitID: true,
    SpaceID: true,
    SpaceSlug: true,
    Slug: true,
    DisplayName: true,
    ToolchainType: true,
    Labels: true,
    Annotations: true,
    LastChangeDescription: true,
    DataHash: true,
    DataSize: true,
    HeadRevisionNum: true,
    HeadRevisionID: true,
    LastReleasedRevisionNum: true,
    LastAppliedRevisionNum: true,
    UpstreamUnitID: true,
    UpstreamSpaceID: true,
    UpstreamRevisionNum: true,
    Version: true,
    CreatedAt: true,
    UpdatedAt: true,
  }),
  revision: keys<Revision>({
    RevisionID: true,
    RevisionNum: true,
    UnitID: true,
    SpaceID: true,
    Description: true,
    DataHash: true,
    DataSize: true,
    UserID: true,
    CreatedAt: true,
  }),
};

/** Returned whatever the select says: the entity's and its parents' IDs, and Slug (revisions have none). */
export const ALWAYS_SELECTED = {
  space: ["SpaceID", "Slug"],
  // ToolchainType too: the spec's Unit requires it (with Slug), so an answer without it would not conform.
  unit: ["UnitID", "SpaceID", "Slug", "ToolchainType"],
  revision: ["RevisionID", "UnitID", "SpaceID"],
} as const satisfies Record<SelectEntity, readonly string[]>;

/** What `contains` searches, so returned with it. */
const CONTAINS_FIELDS: Record<SelectEntity, readonly string[]> = {
  space: ["Slug", "DisplayName"],
  unit: ["Slug", "DisplayName"],
  revision: ["Description"],
};

const ENTITY_NAME: Record<SelectEntity, string> = { space: "Space", unit: "Unit", revision: "Revision" };

/**
 * The fields a list returns for `select` (undefined: all). `where` is the parsed filter and `contains` the free-text
 * search of the same request: their fields come back too. Throws 400 naming the first bad field.
 */
export function parseSelect(
  select: string | undefined,
  entity: SelectEntity,
  filters: { where?: Condition[]; contains?: string } = {},
): Set<string> | undefined {
  if (select === undefined || select.trim() === "") return undefined;
  const known = FIELDS[entity];
  const fields = new Set<string>(ALWAYS_SELECTED[entity]);
  for (const raw of select.split(",")) {
    const name = raw.trim();
    if (!name) throw badRequest(`select: empty field name in "${select}" (expected e.g. "DisplayName,Labels")`);
    if (!known.includes(name)) {
      const hint = name.includes(".") ? " (select takes whole top-level fields, e.g. Labels)" : "";
      throw badRequest(
        `select: unknown field "${name}" of ${ENTITY_NAME[entity]}${hint} (fields: ${known.join(", ")})`,
      );
    }
    fields.add(name);
  }
  // `Labels.tier` uses Labels; `Space.Slug` or `UpstreamUnit.X` are other entities' fields, not this one's.
  const used = (attr: string) => {
    const head = attr.split(".")[0];
    if (known.includes(head)) fields.add(head);
  };
  for (const c of filters.where ?? []) {
    used(c.attr);
    for (const o of ([] as Operand[]).concat(c.right ?? [])) if ("attr" in o) used(o.attr);
  }
  if (filters.contains) for (const f of CONTAINS_FIELDS[entity]) fields.add(f);
  return fields;
}

/** The entity with only the selected fields (in the entity's own order); all of it when `fields` is undefined. */
export function project<T extends object>(entity: T, fields: Set<string> | undefined): Partial<T> {
  if (!fields) return entity;
  return Object.fromEntries(Object.entries(entity).filter(([k]) => fields.has(k))) as Partial<T>;
}

import { describe, expect, it } from "vitest";
import { HubError } from "../../../src/hub/errors.js";
import { parseWhere } from "../../../src/hub/where.js";
import { compileWhere } from "../../../src/hub/where-sql.js";

describe("where parser", () => {
  it("parses conjunctions of every operator", () => {
    expect(
      parseWhere(
        "Labels.tier = 'backend' AND HeadRevisionNum >= 3 and Slug LIKE 'back%' AND Slug NOT ILIKE '%x' AND Slug IN ('a', 'b') AND UpstreamUnitID IS NOT NULL AND DisplayName IS NULL",
      ),
    ).toEqual([
      { attr: "Labels.tier", op: "=", right: { value: "backend" } },
      { attr: "HeadRevisionNum", op: ">=", right: { value: 3 } },
      { attr: "Slug", op: "LIKE", right: { value: "back%" } },
      { attr: "Slug", op: "NOT ILIKE", right: { value: "%x" } },
      { attr: "Slug", op: "IN", right: [{ value: "a" }, { value: "b" }] },
      { attr: "UpstreamUnitID", op: "IS NOT NULL" },
      { attr: "DisplayName", op: "IS NULL" },
    ]);
  });

  it("reads attribute-to-attribute comparisons, dotted relations and quoted quotes", () => {
    expect(parseWhere("UpstreamRevisionNum < UpstreamUnit.HeadRevisionNum AND Space.Slug = 'it''s'")).toEqual([
      { attr: "UpstreamRevisionNum", op: "<", right: { attr: "UpstreamUnit.HeadRevisionNum" } },
      { attr: "Space.Slug", op: "=", right: { value: "it's" } },
    ]);
    expect(parseWhere("Labels.app.kubernetes.io/name = 'x'")[0].attr).toBe("Labels.app.kubernetes.io/name");
  });

  it("matches everything when empty", () => {
    expect(parseWhere("")).toEqual([]);
    expect(parseWhere(undefined)).toEqual([]);
  });

  it.each([
    ["Slug = 'a' OR Slug = 'b'", /OR is not supported/],
    ["Slug = ", /expected a value/],
    ["Slug 'a'", /expected an operator/],
    ["Slug = 'open", /unterminated string/],
    ["Slug IN ('a' 'b')", /expected , or \)/],
    ["Slug = 'a' Slug = 'b'", /expected AND/],
    ["Slug ~ 'a'", /unexpected "~"/],
  ])("rejects %s with a 400", (src, message) => {
    let error: unknown;
    try {
      parseWhere(src);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(HubError);
    expect((error as HubError).status).toBe(400);
    expect((error as HubError).message).toMatch(message);
  });
});

describe("where to SQL", () => {
  it("keeps every literal out of the SQL text", () => {
    const c = compileWhere(parseWhere("Slug = 'x''; drop table hub_unit; --' AND Labels.tier = 'db'"), "unit");
    expect(c.sql).not.toContain("drop");
    expect(c.params).toEqual(["x'; drop table hub_unit; --", "tier", "db"]);
  });

  it("joins the upstream only when asked", () => {
    expect(compileWhere(parseWhere("Slug = 'a'"), "unit").usesUpstream).toBe(false);
    expect(compileWhere(parseWhere("UpstreamRevisionNum < UpstreamUnit.HeadRevisionNum"), "unit")).toMatchObject({
      sql: "u.upstream_revision_num < uu.head_revision_num",
      usesUpstream: true,
    });
  });

  it.each([
    ["Nope = 1", "unit", /unknown attribute "Nope"/],
    ["HeadRevisionNum = 'abc'", "unit", /is a number/],
    ["HeadRevisionNum LIKE '1%'", "unit", /needs a text attribute/],
    ["Slug < HeadRevisionNum", "unit", /cannot compare/],
    ["UpstreamUnit.Slug = 'a'", "space", /unknown attribute/],
  ] as const)("rejects %s on %s", (src, entity, message) => {
    expect(() => compileWhere(parseWhere(src), entity)).toThrow(message);
  });
});

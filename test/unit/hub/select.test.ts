import { describe, expect, it } from "vitest";
import { HubError } from "../../../src/hub/errors.js";
import { parseSelect, project } from "../../../src/hub/select.js";
import { parseWhere } from "../../../src/hub/where.js";

describe("select", () => {
  it("keeps the selected fields plus the entity's and parents' IDs, Slug and (units) ToolchainType", () => {
    expect([...(parseSelect(" DisplayName ,Labels", "unit") ?? [])]).toEqual([
      "UnitID",
      "SpaceID",
      "Slug",
      "ToolchainType",
      "DisplayName",
      "Labels",
    ]);
    expect([...(parseSelect("Description", "revision") ?? [])]).toEqual([
      "RevisionID",
      "UnitID",
      "SpaceID",
      "Description",
    ]);
  });

  it("adds the fields the where and contains filters use, not other entities' fields", () => {
    const where = parseWhere(
      "Labels.tier = 'x' AND UpstreamRevisionNum < UpstreamUnit.HeadRevisionNum AND Space.Slug = 's' AND SpaceSlug = 's'",
    );
    expect([...(parseSelect("Version", "unit", { where, contains: "ab" }) ?? [])].sort()).toEqual(
      [
        "UnitID",
        "SpaceID",
        "Slug",
        "ToolchainType",
        "Version",
        "Labels",
        "UpstreamRevisionNum",
        "SpaceSlug",
        "DisplayName",
      ].sort(),
    );
  });

  it("means every field when absent or empty", () => {
    expect(parseSelect(undefined, "space")).toBeUndefined();
    expect(parseSelect("  ", "space")).toBeUndefined();
    const space = { SpaceID: "i", Slug: "s", DisplayName: "d" };
    expect(project(space, undefined)).toBe(space);
    expect(project(space, new Set(["Slug", "SpaceID"]))).toEqual({ SpaceID: "i", Slug: "s" });
  });

  it("rejects unknown, nested and empty field names with a 400 naming them", () => {
    const fail = (s: string, e: "space" | "unit" | "revision") => {
      try {
        parseSelect(s, e);
      } catch (err) {
        expect(err).toBeInstanceOf(HubError);
        expect((err as HubError).status).toBe(400);
        return (err as Error).message;
      }
      throw new Error("no error");
    };
    expect(fail("Slug,Nope", "space")).toMatch(/^select: unknown field "Nope" of Space \(fields: SpaceID, Slug, /);
    expect(fail("Labels.tier", "unit")).toContain("select takes whole top-level fields");
    expect(fail("Slug,", "unit")).toBe('select: empty field name in "Slug," (expected e.g. "DisplayName,Labels")');
    expect(fail("Slug", "revision")).toMatch(/^select: unknown field "Slug" of Revision/);
    expect(fail("slug", "unit")).toMatch(/unknown field "slug"/); // case-sensitive, as in the JSON
  });
});

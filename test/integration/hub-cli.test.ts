import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hubCliInProcess } from "../helpers/cli.js";
import { globalAppData } from "../helpers/global-app.js";
import { createTestDatabase } from "../helpers/stores.js";

// `drift-detector hub …` in process against the embedded hub (on PostgreSQL here: each command opens the store).

const cli = hubCliInProcess;

describe("drift-detector hub (cub's verbs)", () => {
  const saved = { ...process.env };
  let dir: string;
  beforeAll(async () => {
    process.env.DATABASE_URL = await createTestDatabase();
    delete process.env.CONFIGHUB_URL;
    delete process.env.HUB_URL;
    dir = mkdtempSync(join(tmpdir(), "hub-cli-"));
    writeFileSync(join(dir, "backend.yaml"), globalAppData("backend"));
    writeFileSync(join(dir, "bad.yaml"), "kind: [\n");
  });
  afterAll(() => {
    process.env = saved;
    rmSync(dir, { recursive: true, force: true });
  });

  it("creates, clones, runs functions, promotes, lists and rolls back", async () => {
    expect((await cli("space", "create", "acorn-bear-qa", "--label", "env=qa")).out).toMatch(
      /^created space acorn-bear-qa/,
    );
    await cli("space", "create", "acorn-bear-staging", "--label", "env=staging");
    expect(
      (
        await cli(
          "unit",
          "create",
          "backend",
          join(dir, "backend.yaml"),
          "--space",
          "acorn-bear-qa",
          "--label",
          "tier=backend",
        )
      ).out,
    ).toBe("created unit acorn-bear-qa/backend revision 1\n");
    expect((await cli("unit", "create", "--dest-space", "acorn-bear-staging", "--space", "acorn-bear-qa")).out).toBe(
      "cloned acorn-bear-qa/backend -> acorn-bear-staging/backend\n",
    );
    const run = await cli(
      "run",
      "set-image-reference",
      "--container-name",
      "backend",
      "--image-reference",
      ":1.1.2",
      "--space",
      "acorn-bear-qa",
    );
    expect(run.out).toMatch(/backend\s+2\s+changed/);
    const up = await cli("unit", "update", "--patch", "--upgrade", "--space", "acorn-bear-staging");
    expect(up.out).toMatch(/backend\s+2\s+upgraded/);
    const list = await cli("unit", "list", "--where", "Labels.tier = 'backend'", "--json");
    const items = JSON.parse(list.out) as Array<{ Unit: { SpaceSlug: string; HeadRevisionNum: number } }>;
    expect(items.map((i) => [i.Unit.SpaceSlug, i.Unit.HeadRevisionNum])).toEqual([
      ["acorn-bear-qa", 2],
      ["acorn-bear-staging", 2],
    ]);
    expect((await cli("unit", "data", "backend", "--space", "acorn-bear-staging")).out).toContain("backend:1.1.2");
    const revs = await cli("revision", "list", "backend", "--space", "acorn-bear-staging");
    expect(revs.out.split("\n")[0]).toMatch(/^NUM\s+CREATED\s+USER\s+HASH\s+DESCRIPTION$/);
    expect(revs.out).toMatch(/\n2\s.*Upgraded from upstream revision 2/);
    expect((await cli("unit", "update", "backend", "--space", "acorn-bear-staging", "--restore", "1")).out).toMatch(
      /new head revision 3/,
    );
    expect((await cli("unit", "data", "backend", "--space", "acorn-bear-staging")).out).toContain("backend:1.1.1");
    expect((await cli("release", "publish", "--space", "acorn-bear-staging")).out).toBe(
      "released acorn-bear-staging/backend revision 3\n",
    );
    const spaces = await cli("space", "list");
    expect(spaces.out).toMatch(/acorn-bear-qa\s+1\s+env=qa/);
  });

  it("fails with one line and exit code 2 on bad input", async () => {
    let r = await cli("unit", "get", "nope", "--space", "acorn-bear-qa");
    expect(r).toMatchObject({ code: 2, err: 'drift-detector: unit "nope" not found in space acorn-bear-qa\n' });
    r = await cli("unit", "create", "bad", join(dir, "bad.yaml"), "--space", "acorn-bear-qa");
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^drift-detector: invalid YAML at line \d+, column \d+/);
    r = await cli("space", "create", "acorn-bear-qa");
    expect(r.err).toBe('drift-detector: space "acorn-bear-qa" already exists\n');
    r = await cli("unit", "update", "backend", "--upgrade", "--space", "acorn-bear-qa");
    expect(r.code).toBe(2);
    expect(r.out).toMatch(/has no upstream unit/);
    r = await cli("unit", "list", "--where", "Slug = 'a' OR Slug = 'b'");
    expect(r.err).toMatch(/OR is not supported/);
  });
});

import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { HubError } from "../../src/hub/errors.js";
import { Hub } from "../../src/hub/hub.js";
import { userId } from "../../src/hub/rows.js";
import { globalAppData } from "../helpers/global-app.js";
import { openTestStore, STORE_KINDS, type TestStore } from "../helpers/stores.js";

const id = () => randomBytes(3).toString("hex");

async function status(p: Promise<unknown>): Promise<number> {
  try {
    await p;
    return 200;
  } catch (err) {
    if (err instanceof HubError) return err.status;
    throw err;
  }
}

const replicasOf = (data: string) =>
  (parse(data.split("---")[0].replace(/^#.*$/m, "")) as { spec: { replicas: number } }).spec.replicas;

describe.each(STORE_KINDS)("hub model on %s", (kind) => {
  let store: TestStore;
  let hub: Hub;
  beforeAll(async () => {
    store = await openTestStore(kind);
    hub = new Hub(store.db, "tester");
  });
  afterAll(async () => store?.cleanup());

  it("creates, lists and deletes spaces; refuses duplicates, bad slugs and deleting a non-empty space", async () => {
    const slug = `sp-${id()}`;
    const space = await hub.createSpace({ Slug: slug, Labels: { env: "qa" } });
    expect(space).toMatchObject({ Slug: slug, DisplayName: slug, Labels: { env: "qa" }, Version: 1 });
    expect(await status(hub.createSpace({ Slug: slug }))).toBe(409);
    expect(await status(hub.createSpace({ Slug: "-bad" }))).toBe(400);
    expect(await status(hub.getSpace("no-such-space"))).toBe(404);
    const listed = await hub.listSpaces({ where: `Slug = '${slug}' AND Labels.env = 'qa'` });
    expect(listed.items).toEqual([{ Space: space, TotalUnitCount: 0 }]);
    await hub.createUnit(slug, { Slug: "u1" });
    expect(await status(hub.deleteSpace(slug))).toBe(409);
    await hub.deleteSpace(slug, { recursive: true });
    expect(await status(hub.getSpace(space.SpaceID))).toBe(404);
  });

  it("keeps every data change as an immutable revision with its SHA-256", async () => {
    const s = await hub.createSpace({ Slug: `sp-${id()}` });
    const data = globalAppData("backend");
    const u = await hub.createUnit(s.Slug, { Slug: "backend", Data: data, Labels: { tier: "backend" } });
    expect(u).toMatchObject({
      HeadRevisionNum: 1,
      ToolchainType: "Kubernetes/YAML",
      DataSize: Buffer.byteLength(data),
      SpaceSlug: s.Slug,
    });
    expect(u.DataHash).toMatch(/^[0-9a-f]{64}$/);
    const changed = data.replace("replicas: 1", "replicas: 2");
    const u2 = await hub.putUnitData(s.Slug, "backend", changed, { ifMatch: `"${u.DataHash}"`, description: "two" });
    expect(u2).toMatchObject({ HeadRevisionNum: 2, LastChangeDescription: "two" });
    expect(await hub.putUnitData(s.Slug, "backend", changed)).toMatchObject({ HeadRevisionNum: 2 }); // no-op
    expect((await hub.getRevision(s.Slug, "backend", 1)).data).toBe(data);
    expect((await hub.getUnitData(s.Slug, u.UnitID)).data).toBe(changed);
    const revs = await hub.listRevisions(s.Slug, "backend");
    expect(revs.map((r) => [r.RevisionNum, r.Description, r.UserID])).toEqual([
      [1, "Created", userId("tester")],
      [2, "two", userId("tester")],
    ]);
  });

  it("stores nothing from invalid YAML and rejects stale writes with 409", async () => {
    const s = await hub.createSpace({ Slug: `sp-${id()}` });
    const bad = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [x\n";
    const err = await hub.createUnit(s.Slug, { Slug: "cm", Data: bad }).catch((e) => e);
    expect(err).toMatchObject({ status: 400, message: expect.stringMatching(/line \d+, column \d+/) });
    expect((await hub.listUnits({ space: s.Slug })).items).toEqual([]);
    const u = await hub.createUnit(s.Slug, {
      Slug: "cm",
      Data: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n",
    });
    expect(await status(hub.putUnitData(s.Slug, "cm", bad))).toBe(400);
    expect(
      await status(
        hub.putUnitData(s.Slug, "cm", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: other\n", {
          ifMatch: '"0000"',
        }),
      ),
    ).toBe(409);
    const renamed = await hub.updateUnit(s.Slug, "cm", { DisplayName: "Settings", Version: u.Version });
    expect(renamed.Version).toBe(u.Version + 1);
    expect(await status(hub.updateUnit(s.Slug, "cm", { DisplayName: "Other", Version: u.Version }))).toBe(409);
    expect(await status(hub.createUnit(s.Slug, { Slug: "cm" }))).toBe(409);
    expect((await hub.getUnit(s.Slug, "cm")).HeadRevisionNum).toBe(1);
  });

  it("clones downstream, upgrades keeping overrides, reports conflicts, restores", async () => {
    const base = await hub.createSpace({ Slug: `base-${id()}` });
    const prod = await hub.createSpace({ Slug: `prod-${id()}` });
    const data = globalAppData("backend");
    await hub.createUnit(base.Slug, { Slug: "backend", Data: data });
    const clone = await hub.cloneUnit(prod.Slug, base.Slug, "backend");
    expect(clone).toMatchObject({ UpstreamRevisionNum: 1, UpstreamSpaceID: base.SpaceID, HeadRevisionNum: 1 });
    expect(await status(hub.upgradeUnit(base.Slug, "backend"))).toBe(400); // no upstream

    await hub.putUnitData(prod.Slug, "backend", data.replace("replicas: 1", "replicas: 3"));
    await hub.putUnitData(base.Slug, "backend", data.replace("backend:1.1.1", "backend:1.1.2"));
    const stale = await hub.listUnits({
      where: `UpstreamRevisionNum < UpstreamUnit.HeadRevisionNum AND Space.Slug = '${prod.Slug}'`,
    });
    expect(stale.items.map((i) => i.Unit.Slug)).toEqual(["backend"]);

    const up = await hub.upgradeUnit(prod.Slug, "backend");
    expect(up.conflicts).toEqual([]);
    expect(up.unit).toMatchObject({ HeadRevisionNum: 3, UpstreamRevisionNum: 2 });
    const merged = (await hub.getUnitData(prod.Slug, "backend")).data;
    expect(merged).toContain("backend:1.1.2");
    expect(replicasOf(merged)).toBe(3);
    expect(
      (await hub.listUnits({ space: prod.Slug, where: "UpstreamRevisionNum < UpstreamUnit.HeadRevisionNum" })).items,
    ).toEqual([]);

    // both change replicas: downstream's value stays, the conflict is named
    await hub.putUnitData(
      base.Slug,
      "backend",
      data.replace("backend:1.1.1", "backend:1.1.2").replace("replicas: 1", "replicas: 2"),
    );
    const conflicted = await hub.upgradeUnit(prod.Slug, "backend");
    expect(conflicted.conflicts).toEqual([{ Document: "apps/Deployment//backend", Path: "/spec/replicas" }]);
    expect(replicasOf((await hub.getUnitData(prod.Slug, "backend")).data)).toBe(3);

    const restored = await hub.restoreUnit(prod.Slug, "backend", 2);
    expect(restored).toMatchObject({
      HeadRevisionNum: 4,
      UpstreamRevisionNum: 1,
      LastChangeDescription: "Restored revision 2",
    });
    const back = (await hub.getUnitData(prod.Slug, "backend")).data;
    expect(back).toContain("backend:1.1.1");
    expect(replicasOf(back)).toBe(3);
    expect(await status(hub.restoreUnit(prod.Slug, "backend", 99))).toBe(404);
  });

  it("filters units with where over labels, relations and revision numbers, and pages with continue", async () => {
    const s = await hub.createSpace({ Slug: `w-${id()}`, Labels: { env: "qa" } });
    await hub.createUnit(s.Slug, { Slug: "b1", Labels: { tier: "backend" } });
    await hub.publishRelease(s.Slug); // b1 released at revision 1, the others not yet created
    for (const [slug, tier] of [
      ["a1", "web"],
      ["a2", "backend"],
      ["b2", "db"],
    ]) {
      await hub.createUnit(s.Slug, { Slug: slug, Labels: { tier } });
    }
    await hub.putUnitData(s.Slug, "a2", globalAppData("backend"));
    const q = async (where: string) => (await hub.listUnits({ space: s.Slug, where })).items.map((i) => i.Unit.Slug);
    expect(await q("Labels.tier = 'backend'")).toEqual(["a2", "b1"]);
    expect(await q("Slug LIKE 'a%' AND Labels.tier != 'web'")).toEqual(["a2"]);
    expect(await q("Slug IN ('a1', 'b2')")).toEqual(["a1", "b2"]);
    expect(await q("HeadRevisionNum > LastReleasedRevisionNum")).toEqual(["a1", "a2", "b2"]);
    expect(await q("Space.Labels.env = 'qa' AND UpstreamUnitID IS NULL AND Labels.missing IS NULL")).toHaveLength(4);
    expect(await q("CreatedAt > '2000-01-01T00:00:00Z' AND DataSize >= 1")).toEqual(["a2"]);
    expect(await status(hub.listUnits({ where: "Slug = 'a' OR Slug = 'b'" }))).toBe(400);

    const p1 = await hub.listUnits({ space: s.Slug, limit: 3 });
    expect(p1.items).toHaveLength(3);
    const p2 = await hub.listUnits({ space: s.Slug, limit: 3, continue: p1.next });
    expect(p2.items.map((i) => i.Unit.Slug)).toEqual(["b2"]);
    expect(p2.next).toBeUndefined();
    expect(await status(hub.listUnits({ continue: "garbage" }))).toBe(400);
  });

  it("runs functions on the units a where selects, one result each", async () => {
    const s = await hub.createSpace({ Slug: `f-${id()}` });
    await hub.createUnit(s.Slug, { Slug: "backend", Data: globalAppData("backend"), Labels: { tier: "backend" } });
    await hub.createUnit(s.Slug, { Slug: "frontend", Data: globalAppData("frontend") });
    const results = await hub.invokeFunctions(
      s.Slug,
      "",
      [
        {
          FunctionName: "set-image-reference",
          Arguments: [
            { ParameterName: "container-name", Value: "backend" },
            { ParameterName: "image-reference", Value: ":1.1.8" },
          ],
        },
      ],
      "bump backend",
    );
    const heads = await Promise.all(["backend", "frontend"].map((u) => hub.getUnit(s.Slug, u)));
    expect(results.map((r) => [r.UnitSlug, r.Success, r.HasNewMutations, r.RevisionID, r.Error])).toEqual([
      ["backend", true, true, heads[0].HeadRevisionID, undefined],
      ["frontend", true, false, heads[1].HeadRevisionID, undefined],
    ]);
    expect(heads.map((u) => u.HeadRevisionNum)).toEqual([2, 1]);
    expect((await hub.getUnitData(s.Slug, "backend")).data).toContain("backend:1.1.8\n");
    expect((await hub.getUnit(s.Slug, "backend")).LastChangeDescription).toBe("bump backend");
    const read = await hub.invokeFunctions(s.Slug, "Labels.tier = 'backend'", [
      { FunctionName: "get-replicas", Arguments: [] },
    ]);
    expect(read).toMatchObject([{ UnitSlug: "backend", Success: true, HasNewMutations: false }]);
    const output = JSON.parse(Buffer.from(read[0].Outputs?.AttributeValueList ?? "", "base64").toString("utf8"));
    expect(output).toEqual([{ kind: "Deployment", name: "backend", replicas: 1 }]);
    expect(await status(hub.invokeFunctions(s.Slug, "", [{ FunctionName: "nope", Arguments: [] }]))).toBe(400);
  });

  it("bulk-upgrades every matching unit, reporting each", async () => {
    const base = await hub.createSpace({ Slug: `bb-${id()}` });
    const down = await hub.createSpace({ Slug: `bd-${id()}` });
    await hub.createUnit(base.Slug, { Slug: "frontend", Data: globalAppData("frontend") });
    await hub.createUnit(base.Slug, { Slug: "backend", Data: globalAppData("backend") });
    await hub.cloneUnit(down.Slug, base.Slug, "frontend");
    await hub.cloneUnit(down.Slug, base.Slug, "backend");
    await hub.createUnit(down.Slug, { Slug: "local-only" });
    await hub.invokeFunctions(base.Slug, "", [
      { FunctionName: "set-replicas", Arguments: [{ ParameterName: "replicas", Value: 2 }] },
    ]);
    const results = await hub.bulkUpgrade(`SpaceID = '${down.SpaceID}'`);
    expect(results.map((r) => [r.unit?.Slug, r.unit?.UpstreamRevisionNum, r.error?.status ?? null])).toEqual([
      ["backend", 2, null],
      ["frontend", 2, null],
      ["local-only", 0, 400],
    ]);
  });
});

import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigHubClient } from "../../src/hub/confighub/client.js";
import { ConfigHubError } from "../../src/hub/confighub/errors.js";
import { type RunningHub, startHubServer } from "../../src/hub/http/serve.js";
import { openTestStore, STORE_KINDS, type TestStore } from "../helpers/stores.js";

// List parameters over real HTTP against our hub, and through our ConfigHub client: `where` on revision lists (with
// contains, limit/continue and order_by), `select` on the space, unit and revision lists, and a 400 with one clear
// message for a bad `where` or `select`.

const id = () => randomBytes(3).toString("hex");
const cm = (replicas: number) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\ndata:\n  n: "${replicas}"\n`;

describe.each(STORE_KINDS)("hub list where/select on %s", (kind) => {
  let store: TestStore;
  let hub: RunningHub;
  let client: ConfigHubClient;
  let space: string;
  let other: string;
  const get = async (path: string) => {
    const res = await fetch(`${hub.url}/api${path}`, { headers: { authorization: `Bearer ${hub.token}` } });
    return { status: res.status, body: (await res.json()) as unknown, next: res.headers.get("configHub-continue") };
  };
  const q = encodeURIComponent;
  const revPath = (params: string) => `/space/${space}/unit/app/revision?${params}`;

  beforeAll(async () => {
    store = await openTestStore(kind);
    hub = await startHubServer({ db: store.db, listen: "127.0.0.1:0", token: `sel-${id()}` });
    client = new ConfigHubClient({ url: hub.url, token: hub.token, backoffMs: 5 });
    space = `sel-${id()}`;
    other = `sel-${id()}`;
    await client.createSpace({ Slug: space, DisplayName: "Selection QA", Labels: { env: "qa" } });
    await client.createSpace({ Slug: other, Labels: { env: "prod" } });
    // Revisions 1..4 of app: created, two scale-ups, an image bump.
    await client.createUnit(space, { Slug: "app", Data: cm(1), Labels: { tier: "backend" } });
    await client.putUnitData(space, "app", cm(2), { description: "Scale to 2" });
    await client.putUnitData(space, "app", cm(3), { description: "Scale to 3" });
    await client.putUnitData(space, "app", cm(4), { description: "Bump image" });
    await client.createUnit(space, { Slug: "db", Data: cm(1), DisplayName: "Database", Labels: { tier: "data" } });
  });
  afterAll(async () => {
    await hub?.close();
    await store?.cleanup();
  });

  const nums = (body: unknown) =>
    (body as Array<{ Revision: { RevisionNum: number } }>).map((i) => i.Revision.RevisionNum);

  it("filters revision lists with where over revision attributes", async () => {
    expect(nums((await get(revPath(`where=${q("RevisionNum > 2")}`))).body)).toEqual([3, 4]);
    expect(nums((await get(revPath(`where=${q("Description LIKE 'Scale%'")}`))).body)).toEqual([2, 3]);
    expect(nums((await get(revPath(`where=${q("RevisionNum IN (1, 4) AND UserID = 'local'")}`))).body)).toEqual([1, 4]);
    const all = (await client.listRevisions(space, "app")).map((r) => r.RevisionNum);
    expect(all).toEqual([1, 2, 3, 4]);
    const [first] = await client.listRevisions(space, "app", "RevisionNum = 1");
    expect(
      (await client.listRevisions(space, "app", `CreatedAt > '${first.CreatedAt}'`)).map((r) => r.RevisionNum),
    ).toEqual([2, 3, 4]);
    expect(
      (await client.listRevisions(space, "app", "RevisionNum >= 2 AND RevisionNum < 4")).map((r) => r.RevisionNum),
    ).toEqual([2, 3]);
    expect(await client.listRevisions(space, "app", "Description = 'never'")).toEqual([]);
  });

  it("pages, orders and searches revision lists like the other lists", async () => {
    const p1 = await get(revPath("limit=3"));
    expect(nums(p1.body)).toEqual([1, 2, 3]);
    expect(p1.next).toBeTruthy();
    const p2 = await get(revPath(`limit=3&continue=${q(p1.next ?? "")}`));
    expect(nums(p2.body)).toEqual([4]);
    expect(p2.next).toBeNull();
    expect(nums((await get(revPath(`order_by=${q("RevisionNum DESC")}`))).body)).toEqual([4, 3, 2, 1]);
    expect(nums((await get(revPath("contains=scale"))).body)).toEqual([2, 3]);
  });

  it("returns only the selected fields of spaces, plus their ID, Slug and the fields the filters used", async () => {
    const r = await get(`/space?where=${q(`Slug = '${space}'`)}&select=DisplayName`);
    expect(r.status).toBe(200);
    expect(r.body).toEqual([
      { Space: { SpaceID: expect.any(String), Slug: space, DisplayName: "Selection QA" }, TotalUnitCount: 2 },
    ]);
    const labelled = (await get(`/space?where=${q(`Labels.env = 'prod' AND Slug = '${other}'`)}&select=Version`))
      .body as Array<{ Space: object }>;
    expect(Object.keys(labelled[0].Space)).toEqual(["SpaceID", "Slug", "Labels", "Version"]);
    const found = (await get(`/space?contains=${q("selection qa")}&select=Labels`)).body as Array<{ Space: object }>;
    expect(found.map((i) => Object.keys(i.Space))).toEqual([["SpaceID", "Slug", "DisplayName", "Labels"]]);
    // No select, or an empty one: every field.
    const full = (await get(`/space?where=${q(`Slug = '${space}'`)}&select=`)).body as Array<{ Space: object }>;
    expect(Object.keys(full[0].Space)).toHaveLength(8);
  });

  it("returns only the selected fields of units, in a space and across spaces", async () => {
    const r = await get(`/space/${space}/unit?select=${q("HeadRevisionNum, Labels")}`);
    expect(r.status).toBe(200);
    const items = r.body as Array<{ Unit: Record<string, unknown>; Space: { Slug: string } }>;
    expect(items.map((i) => i.Unit)).toEqual([
      {
        UnitID: expect.any(String),
        SpaceID: expect.any(String),
        Slug: "app",
        ToolchainType: "Kubernetes/YAML",
        Labels: { tier: "backend" },
        HeadRevisionNum: 4,
      },
      {
        UnitID: expect.any(String),
        SpaceID: expect.any(String),
        Slug: "db",
        ToolchainType: "Kubernetes/YAML",
        Labels: { tier: "data" },
        HeadRevisionNum: 1,
      },
    ]);
    expect(items[0].Space.Slug).toBe(space); // the wrapper's other parts stay whole
    // Attribute-to-attribute where: both sides come back.
    const pending = (
      await get(
        `/unit?where=${q(`HeadRevisionNum > LastReleasedRevisionNum AND Space.Slug = '${space}'`)}&select=DataSize`,
      )
    ).body as Array<{ Unit: object }>;
    expect(pending.map((i) => Object.keys(i.Unit))).toEqual([
      ["UnitID", "SpaceID", "Slug", "ToolchainType", "DataSize", "HeadRevisionNum", "LastReleasedRevisionNum"],
      ["UnitID", "SpaceID", "Slug", "ToolchainType", "DataSize", "HeadRevisionNum", "LastReleasedRevisionNum"],
    ]);
  });

  it("returns only the selected fields of revisions", async () => {
    const r = await get(revPath(`where=${q("RevisionNum = 2")}&select=Description`));
    expect(r.body).toEqual([
      {
        Revision: {
          RevisionID: expect.any(String),
          UnitID: expect.any(String),
          SpaceID: expect.any(String),
          RevisionNum: 2,
          Description: "Scale to 2",
        },
      },
    ]);
  });

  it("selects through the ConfigHub client, typed to what comes back", async () => {
    const spaces = await client.listSpaces(`Slug = '${space}'`, { select: ["Labels"] });
    expect(spaces.map((i) => i.Space)).toEqual([{ SpaceID: expect.any(String), Slug: space, Labels: { env: "qa" } }]);
    const units = await client.listUnits(space, "Labels.tier = 'data'", { select: ["DisplayName"] });
    expect(units.map((i) => i.Unit)).toEqual([
      {
        UnitID: expect.any(String),
        SpaceID: expect.any(String),
        Slug: "db",
        ToolchainType: "Kubernetes/YAML",
        DisplayName: "Database",
        Labels: { tier: "data" },
      },
    ]);
    const everywhere = await client.listUnits(undefined, `Space.Slug = '${space}'`, { select: ["HeadRevisionNum"] });
    expect(everywhere.map((i) => [i.Unit.Slug, i.Unit.HeadRevisionNum])).toEqual([
      ["app", 4],
      ["db", 1],
    ]);
    const revs = await client.listRevisions(space, "app", "RevisionNum > 3", { select: ["DataHash"] });
    expect(revs.map((r) => Object.keys(r))).toEqual([["RevisionID", "RevisionNum", "UnitID", "SpaceID", "DataHash"]]);
    // select: [] is no select at all.
    expect(Object.keys((await client.listUnits(space, "Slug = 'db'", { select: [] }))[0].Unit)).toHaveLength(21);
  });

  it("answers 400 with one clear message for a bad where or select, on every list", async () => {
    const cases: Array<[string, RegExp]> = [
      [
        revPath(`where=${q("Labels.tier = 'x'")}`),
        /^where: unknown attribute "Labels\.tier" of Revision \(known: RevisionID, RevisionNum, .*\)$/,
      ],
      [revPath(`where=${q("RevisionNum = 'two'")}`), /^where: RevisionNum is a number, got "two"$/],
      [revPath(`where=${q("RevisionNum = 1 OR RevisionNum = 2")}`), /^where: OR is not supported, only AND/],
      [revPath(`where=${q("Slug = 'x'")}`), /^where: unknown attribute "Slug" of Revision/],
      [revPath(`order_by=${q("Slug")}`), /^order_by: expected an attribute/],
      [revPath("select=Slug"), /^select: unknown field "Slug" of Revision \(fields: RevisionID, RevisionNum, .*\)$/],
      ["/space?select=Nope", /^select: unknown field "Nope" of Space \(fields: SpaceID, Slug, .*\)$/],
      [
        `/space/${space}/unit?select=${q("Labels.tier")}`,
        /^select: unknown field "Labels\.tier" of Unit \(select takes whole top-level fields, e\.g\. Labels\)/,
      ],
      [`/unit?select=${q("Slug,,DisplayName")}`, /^select: empty field name in "Slug,,DisplayName"/],
      [`/unit?select=Slug&where=${q("Nope = 1")}`, /^where: unknown attribute "Nope" of Unit/],
    ];
    for (const [path, message] of cases) {
      const r = await get(path);
      expect([path, r.status]).toEqual([path, 400]);
      const body = r.body as { Code: string; Message: string };
      expect(body.Code).toBe("400");
      expect(body.Message).toMatch(message);
      expect(body.Message).not.toContain("\n");
    }
    const err = await client.listUnits(space, undefined, { select: ["Nope" as "Slug"] }).catch((e) => e);
    expect(err).toBeInstanceOf(ConfigHubError);
    expect(err.status).toBe(400);
    expect(err.message).toMatch(/select: unknown field "Nope" of Unit/);
    const bad = await client.listRevisions(space, "app", "Nope > 1").catch((e) => e);
    expect(bad).toBeInstanceOf(ConfigHubError);
    expect(bad.message).toMatch(/where: unknown attribute "Nope" of Revision/);
  });
});

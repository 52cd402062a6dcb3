import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { openSource } from "../../src/desired/open.js";
import { ConfigHubClient } from "../../src/hub/confighub/client.js";
import { resolveCredentials } from "../../src/hub/confighub/credentials.js";
import { ConfigHubError, TokenRejectedError, TokenUnavailableError } from "../../src/hub/confighub/errors.js";
import { openConfigHub } from "../../src/hub/connect.js";
import { hubUnitAccess } from "../../src/remediation/hub-access.js";
import { hubCliInProcess } from "../helpers/cli.js";
import { ConfigHubStandin } from "../helpers/confighub-standin.js";
import { globalAppData } from "../helpers/global-app.js";

// Our ConfigHub client, sources, `accept` access and `hub` verbs against a stand-in that answers as ConfigHub's
// published spec says (test/helpers/confighub-standin.ts), over real HTTP.

const BACKEND = globalAppData("backend");
const BACKEND_2 = BACKEND.replace("backend:1.1.1", "backend:1.1.2");
const BACKEND_3 = BACKEND.replace("backend:1.1.1", "backend:1.1.3");

let hub: ConfigHubStandin;
let client: ConfigHubClient;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  hub = await new ConfigHubStandin().start();
  env = { CUB_SERVER: hub.url, CUB_TOKEN: hub.token, HOME: mkdtempSync(join(tmpdir(), "cub-home-")) };
  client = openConfigHub({ env, log: () => {} });
});
afterAll(async () => {
  await client?.close();
  await hub?.close();
});
afterEach(() => {
  // Every answer the stand-in gave conformed to the spec.
  expect(hub.problems).toEqual([]);
});

describe("the ConfigHub client against a stand-in speaking ConfigHub's spec", () => {
  it("reads wrapped spaces and units, creates a unit in two steps, follows short pages to the end", async () => {
    const space = await client.createSpace({ Slug: "acorn-bear-dev", Labels: { env: "dev" } });
    expect(space).toMatchObject({ Slug: "acorn-bear-dev", Labels: { env: "dev" } });
    expect(await client.getSpace("acorn-bear-dev")).toMatchObject({ SpaceID: space.SpaceID });
    const unit = await client.createUnit("acorn-bear-dev", { Slug: "backend", Data: BACKEND });
    expect(unit).toMatchObject({ Slug: "backend", ToolchainType: "Kubernetes/YAML", DataHash: expect.any(String) });
    expect(hub.data("acorn-bear-dev", "backend")).toBe(BACKEND);
    const create = hub.requests.filter((r) => r.method === "PUT" && r.path.endsWith("/data")).at(-1);
    expect(create).toBeDefined();
    for (let i = 0; i < 4; i++) await client.createUnit("acorn-bear-dev", { Slug: `u${i}`, Data: "" });
    hub.requests.length = 0;
    const all = await client.listUnits("acorn-bear-dev");
    expect(all.map((i) => i.Unit.Slug).sort()).toEqual(["backend", "u0", "u1", "u2", "u3"]);
    expect(hub.requests.length).toBeGreaterThanOrEqual(3); // a short first page, then pages until no token
    expect((await client.getUnit("acorn-bear-dev", "backend")).UnitID).toBe(unit.UnitID);
  });

  it("addresses revisions by RevisionID only and publishes releases", async () => {
    hub.addSpace("rev-space");
    hub.addUnit("rev-space", "backend", [BACKEND, BACKEND_2, BACKEND_3], 2);
    hub.requests.length = 0;
    expect(await client.getRevisionData("rev-space", "backend", 2)).toBe(BACKEND_2);
    const revisionPaths = hub.requests.filter((r) => r.path.includes("/revision/")).map((r) => r.path);
    expect(revisionPaths).toHaveLength(1);
    expect(revisionPaths[0]).toMatch(/\/revision\/[0-9a-f-]{36}\/data$/);
    expect((await client.listRevisions("rev-space", "backend")).map((r) => r.RevisionNum)).toEqual([1, 2, 3]);
    const release = await client.publishRelease("rev-space");
    expect(release).toMatchObject({ UnitCount: 1 });
    expect((await client.getUnit("rev-space", "backend")).LastReleasedRevisionNum).toBe(3);
  });

  it("fails with one line naming the call and ConfigHub's Message, never a TypeError", async () => {
    const missing = await client.getSpace("00000000-0000-4000-8000-000000000000").catch((e) => e);
    expect(missing).toBeInstanceOf(ConfigHubError);
    expect(missing.message).toBe(
      `${hub.url}: GET /space/00000000-0000-4000-8000-000000000000: 404 Space 00000000-0000-4000-8000-000000000000 not found`,
    );
    const clones = await client.listUnits(undefined, "UpstreamUnitID IS NOT NULL").catch((e) => e);
    expect(clones.message).toMatch(/GET \/unit: 400 IS NULL applies only to map keys/);
    expect(await client.listUnits(undefined, "UpstreamRevisionNum > 0")).toEqual([]);
  });

  it("re-reads the token once on a 401, then says to run `cub auth login`", async () => {
    let reads = 0;
    const stale = new ConfigHubClient({
      url: hub.url,
      token: async () => (++reads === 1 ? "expired" : hub.token),
    });
    expect(await stale.listSpaces()).not.toHaveLength(0);
    expect(reads).toBe(2);
    const rejected = new ConfigHubClient({ url: hub.url, token: async () => "wrong" });
    const err = await rejected.listSpaces().catch((e) => e);
    expect(err).toBeInstanceOf(TokenRejectedError);
    expect(err.message).toBe(
      `${hub.url} rejected the token (GET /space: Unauthorized: invalid or expired token): run \`cub auth login\``,
    );
    expect(err.message).not.toContain("wrong");
  });

  it("logs the server's ConfigHub-Version once", async () => {
    const lines: string[] = [];
    const c = openConfigHub({ env, log: (l) => lines.push(l) });
    await c.listSpaces();
    await c.listSpaces();
    expect(lines).toEqual([`ConfigHub v0.5.5 at ${hub.url} (token from CUB_TOKEN)`]);
  });
});

describe("confighub: sources against the stand-in", () => {
  it("compare with the last released revision by default, and with head on request; polling sees a release", async () => {
    hub.addSpace("acorn-bear-prod");
    hub.addUnit("acorn-bear-prod", "backend", [BACKEND, BACKEND_2], 1);
    const released = await openSource("confighub:acorn-bear-prod", { env });
    const head = await openSource("confighub:acorn-bear-prod", { env, revision: "head" });
    try {
      const image = (s: Awaited<ReturnType<typeof released.load>>) =>
        JSON.stringify(s.objects.find((o) => o.ref.kind === "Deployment")?.object);
      const r1 = await released.load();
      expect(image(r1)).toContain("backend:1.1.1");
      expect(r1.objects[0].source).toMatchObject({ type: "confighub", space: "acorn-bear-prod", revision: 1 });
      const h = await head.load();
      expect(image(h)).toContain("backend:1.1.2");
      expect(h.objects[0].source).toMatchObject({ revision: 2 });
      // The next poll finds nothing new; after a release it finds revision 2.
      expect((await released.load()).version).toBe(r1.version);
      await client.publishRelease("acorn-bear-prod");
      const r2 = await released.load();
      expect(r2.version).not.toBe(r1.version);
      expect(image(r2)).toContain("backend:1.1.2");
    } finally {
      await released.close?.();
      await head.close?.();
    }
  });

  it("cannot be opened without credentials for the server: one line", async () => {
    const err = await openSource("confighub:x", {
      env: { CUB_SERVER: hub.url, HOME: env.HOME, PATH: "" },
    }).catch((e) => e);
    expect(err.message).toMatch(
      /^confighub:x: no ConfigHub token for http:\/\/127\.0\.0\.1:\d+: set CUB_TOKEN together with CUB_SERVER/,
    );
  });
});

describe("`accept` into ConfigHub", () => {
  it("writes the edit as new data guarded by If-Match, and refuses a stale one", async () => {
    hub.addSpace("accept-space");
    hub.addUnit("accept-space", "backend", [BACKEND]);
    const access = hubUnitAccess(client);
    const { data, etag } = await access.getData("accept-space", "backend");
    expect(data).toBe(BACKEND);
    const head = await access.putData("accept-space", "backend", BACKEND_2, { ifMatch: etag, description: "accepted" });
    expect(head).toBe(2);
    expect(hub.data("accept-space", "backend")).toBe(BACKEND_2);
    const put = hub.requests.filter((r) => r.method === "PUT").at(-1);
    expect(put?.query.get("last_change_description")).toBe("accepted");
    const stale = await access
      .putData("accept-space", "backend", BACKEND_3, { ifMatch: etag, description: "late" })
      .catch((e) => e);
    expect(stale).toMatchObject({ status: 409 });
    expect(hub.data("accept-space", "backend")).toBe(BACKEND_2);
  });
});

describe("`hub` verbs against the stand-in (CUB_SERVER + CUB_TOKEN)", () => {
  const saved = { ...process.env };
  let dir: string;
  beforeEach(() => {
    Object.assign(process.env, { CUB_SERVER: hub.url, CUB_TOKEN: hub.token });
    delete process.env.HUB_URL;
    dir = mkdtempSync(join(tmpdir(), "hub-verbs-"));
    writeFileSync(join(dir, "backend.yaml"), BACKEND);
  });
  afterEach(() => {
    process.env = { ...saved };
    rmSync(dir, { recursive: true, force: true });
  });

  const cli = hubCliInProcess;

  it("space create/list, unit create/get/data/list, revision list, release publish", async () => {
    expect((await cli("space", "create", "verbs", "--label", "env=qa")).out).toMatch(/^created space verbs/);
    expect((await cli("space", "list")).out).toMatch(/verbs/);
    expect((await cli("unit", "create", "backend", join(dir, "backend.yaml"), "--space", "verbs")).out).toMatch(
      /^created unit verbs\/backend revision \d+\n$/,
    );
    expect((await cli("unit", "data", "backend", "--space", "verbs")).out).toBe(BACKEND);
    const got = JSON.parse((await cli("unit", "get", "backend", "--space", "verbs", "--json")).out);
    expect(got).toMatchObject({ Slug: "backend", SpaceSlug: "verbs" });
    expect((await cli("unit", "list", "--space", "verbs")).out).toMatch(/backend/);
    expect((await cli("revision", "list", "backend", "--space", "verbs")).out).toMatch(/^NUM/);
    const head = hub.unit("verbs", "backend").HeadRevisionNum;
    expect((await cli("release", "publish", "--space", "verbs")).out).toBe(`released verbs/backend revision ${head}\n`);
    const missing = await cli("unit", "get", "nope", "--space", "verbs");
    expect(missing.code).toBe(2);
    // stderr: which ConfigHub answered (once per command), then the one line of the failure.
    expect(missing.err.split("\n")).toEqual([
      `ConfigHub v0.5.5 at ${hub.url} (token from CUB_TOKEN)`,
      `drift-detector: ${hub.url}: unit "nope" not found in space verbs`,
      "",
    ]);
  });

  it("unit clone, upgrade (one and bulk), restore, run a function; ConfigHub is sent no applied revision", async () => {
    hub.addSpace("promo-dev");
    hub.addSpace("promo-prod");
    hub.addUnit("promo-dev", "backend", [BACKEND]);
    expect((await cli("unit", "create", "--dest-space", "promo-prod", "--space", "promo-dev")).out).toBe(
      "cloned promo-dev/backend -> promo-prod/backend\n",
    );
    expect(hub.unit("promo-prod", "backend")).toMatchObject({ UpstreamRevisionNum: 1, HeadRevisionNum: 1 });

    // A function ConfigHub would run server-side; the stand-in runs what the test gives it.
    hub.functions.set("set-image-reference", (data, args) => ({
      data: data.replace(/(image: [^:\s]+):[^\s]+/, `$1${args["image-reference"]}`),
    }));
    const run = await cli(
      "run",
      "set-image-reference",
      "--container-name",
      "backend",
      "--image-reference",
      ":1.1.2",
      "--space",
      "promo-dev",
    );
    expect(run.code).toBe(0);
    expect(run.out).toMatch(/backend\s+2\s+changed/);
    expect(hub.data("promo-dev", "backend")).toBe(BACKEND_2);
    const invoke = hub.requests.find((r) => r.path.endsWith("/function/invoke"));
    expect(invoke?.method).toBe("POST");

    expect((await cli("unit", "update", "backend", "--upgrade", "--space", "promo-prod")).out).toMatch(
      /backend\s+2\s+upgraded/,
    );
    expect(hub.data("promo-prod", "backend")).toBe(BACKEND_2);
    expect(hub.unit("promo-prod", "backend").UpstreamRevisionNum).toBe(2);

    expect((await cli("unit", "update", "backend", "--restore", "1", "--space", "promo-prod")).out).toBe(
      "restored promo-prod/backend to revision 1: new head revision 3\n",
    );
    expect(hub.data("promo-prod", "backend")).toBe(BACKEND);
    const restore = hub.requests.filter((r) => r.method === "PATCH").at(-1);
    expect(restore?.query.get("restore")).toBe("1");

    // Bulk upgrade over every space: the restored (locally changed) unit is refused by this stand-in, the other
    // result is one per unit, 207 mixed.
    hub.addSpace("promo-qa");
    await cli("unit", "create", "--dest-space", "promo-qa", "--space", "promo-dev");
    const bulk = await client.bulkUpgrade("Slug = 'backend' AND UpstreamRevisionNum > 0");
    expect(bulk.map((r) => [r.Unit?.SpaceSlug, r.Error?.Message ?? null]).sort()).toEqual([
      ["promo-prod", "the stand-in does not merge an upgrade over local changes"],
      ["promo-qa", null],
    ]);

    hub.requests.length = 0;
    const marked = await client.markApplied("promo-qa", "backend", 2);
    expect(marked.LastAppliedRevisionNum).toBe(0);
    expect(hub.requests.map((r) => r.method)).not.toContain("PATCH");
  });
});

describe("credentials as cub finds them", () => {
  let home: string;
  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), "cub-"));
  });
  afterEach(() => rmSync(home, { recursive: true, force: true }));

  const cubConfig = (
    dir: string,
    contexts: Array<{ name: string; server: string; tokenFile: string; token: string }>,
    current: string,
  ) => {
    mkdirSync(join(dir, "tokens"), { recursive: true });
    const yaml = [`currentContext: ${current}`, "contexts:"];
    for (const c of contexts) {
      yaml.push(
        `  - name: ${c.name}`,
        "    coordinate:",
        `      serverURL: ${c.server}`,
        "      organizationID: org_1",
        "    metadata:",
        `      tokenFile: ${c.tokenFile}`,
      );
      writeFileSync(
        join(dir, "tokens", `${c.tokenFile}.json`),
        JSON.stringify({ accessToken: c.token, refreshToken: "r" }),
      );
    }
    writeFileSync(join(dir, "config.yaml"), `${yaml.join("\n")}\n`);
  };

  it("uses CUB_TOKEN only together with CUB_SERVER", async () => {
    const both = resolveCredentials({ CUB_SERVER: "https://hub.example.com/", CUB_TOKEN: "t1", HOME: home });
    expect(both.server).toBe("https://hub.example.com");
    expect(await both.token()).toBe("t1");
    // A token without its server is not sent to the default server: cub's context decides instead.
    cubConfig(
      join(home, ".confighub"),
      [{ name: "work", server: "https://hub.confighub.com", tokenFile: "work", token: "from-file" }],
      "work",
    );
    const alone = resolveCredentials({ CUB_TOKEN: "t1", HOME: home });
    expect(alone.server).toBe("https://hub.confighub.com");
    expect(await alone.token()).toBe("from-file");
  });

  it("reads cub's current context and its token file, from ~/.confighub or $CUB_CONFIG", async () => {
    cubConfig(
      join(home, ".confighub"),
      [
        { name: "a", server: "https://a.example.com", tokenFile: "a", token: "token-a" },
        { name: "b", server: "https://b.example.com", tokenFile: "b", token: "token-b" },
      ],
      "b",
    );
    const c = resolveCredentials({ HOME: home });
    expect([c.server, await c.token(), c.from]).toEqual(["https://b.example.com", "token-b", "cub context b"]);
    expect(await resolveCredentials({ HOME: home, CUB_CONTEXT: "a" }).token()).toBe("token-a");
    const other = join(home, "elsewhere");
    cubConfig(other, [{ name: "x", server: "https://x.example.com", tokenFile: "x", token: "token-x" }], "x");
    expect(await resolveCredentials({ HOME: home, CUB_CONFIG: other }).token()).toBe("token-x");
  });

  it("falls back to `cub auth get-token`, and never sends a token to another server", async () => {
    const bin = join(home, "bin");
    mkdirSync(bin);
    writeFileSync(join(bin, "cub"), "#!/bin/sh\n[ \"$1 $2\" = 'auth get-token' ] && echo from-cub\n");
    chmodSync(join(bin, "cub"), 0o755);
    expect(await resolveCredentials({ HOME: home, PATH: bin }).token()).toBe("from-cub");
    // cub's current context is for another server: neither its token file nor `cub auth get-token` is used.
    cubConfig(
      join(home, ".confighub"),
      [{ name: "a", server: "https://a.example.com", tokenFile: "a", token: "token-a" }],
      "a",
    );
    expect(() => resolveCredentials({ HOME: home, PATH: bin, CUB_SERVER: hub.url })).toThrow(TokenUnavailableError);
    // Over HTTP: a client for the stand-in with cub's context for a.example.com sends nothing there.
    hub.requests.length = 0;
    const err = await openSource("confighub:x", { env: { HOME: home, PATH: bin, CUB_SERVER: hub.url } }).catch(
      (e) => e,
    );
    expect(err.message).toMatch(/no ConfigHub token for/);
    expect(hub.requests).toEqual([]);
    // With the pair, the stand-in gets its own token and only that.
    const c = openConfigHub({
      env: { HOME: home, PATH: bin, CUB_SERVER: hub.url, CUB_TOKEN: hub.token },
      log: () => {},
    });
    await c.listSpaces();
    expect(new Set(hub.requests.map((r) => r.authorization))).toEqual(new Set([`Bearer ${hub.token}`]));
    expect(hub.requests.some((r) => r.authorization?.includes("token-a"))).toBe(false);
  });
});

import { randomBytes } from "node:crypto";
import { createServer } from "node:net";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigHubClient } from "../../src/hub/confighub/client.js";
import { ConfigHubError, ConfigHubUnavailableError, TokenRejectedError } from "../../src/hub/confighub/errors.js";
import { type RunningHub, startHubServer } from "../../src/hub/http/serve.js";
import { buildHubServer } from "../../src/hub/http/server.js";
import { Hub } from "../../src/hub/hub.js";
import type { Space, UnitListItem } from "../../src/hub/types.js";
import { globalAppData } from "../helpers/global-app.js";
import { openTestStore, STORE_KINDS, type TestStore } from "../helpers/stores.js";

const id = () => randomBytes(3).toString("hex");

describe.each(STORE_KINDS)("hub HTTP API on %s", (kind) => {
  let store: TestStore;
  let hub: RunningHub;
  let client: ConfigHubClient;
  const api = (path: string, init: RequestInit = {}) =>
    fetch(`${hub.url}/api${path}`, { ...init, headers: { authorization: `Bearer ${hub.token}`, ...init.headers } });

  beforeAll(async () => {
    store = await openTestStore(kind);
    hub = await startHubServer({ db: store.db, listen: "127.0.0.1:0", token: `tok-${id()}` });
    client = new ConfigHubClient({ url: hub.url, token: hub.token, backoffMs: 5 });
  });
  afterAll(async () => {
    await hub?.close();
    await store?.cleanup();
  });

  it("answers 401 to every request without the right bearer token", async () => {
    for (const path of ["/api/space", "/api/unit", "/api/nope", "/"]) {
      const res = await fetch(hub.url + path);
      expect(res.status).toBe(401);
      expect(await res.json()).toEqual({ Code: "401", Message: "missing or invalid bearer token" });
    }
    expect((await fetch(`${hub.url}/api/space`, { headers: { authorization: "Bearer wrong" } })).status).toBe(401);
    const bad = new ConfigHubClient({ url: hub.url, token: "wrong", retries: 0 });
    const err = await bad.listSpaces().catch((e) => e);
    expect(err).toBeInstanceOf(TokenRejectedError);
    expect(err.message).toMatch(
      /rejected the token \(GET \/space: missing or invalid bearer token\): run `cub auth login`/,
    );
    expect(err.message).not.toContain("wrong");
  });

  it("speaks ConfigHub's shapes: wrapped reads, bare space writes, PascalCase, {Code, Message}", async () => {
    const slug = `sp-${id()}`;
    let res = await api("/space", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ Slug: slug, Labels: { env: "qa" } }),
    });
    const created = (await res.json()) as Space;
    expect(created).toMatchObject({ Slug: slug, Labels: { env: "qa" }, Version: 1 });
    expect(created.SpaceID).toMatch(/^[0-9a-f-]{36}$/);
    res = await api(`/space?where=${encodeURIComponent(`Slug = '${slug}'`)}`);
    expect(await res.json()).toEqual([{ Space: created, TotalUnitCount: 0 }]);
    expect(await (await api(`/space/${created.SpaceID}`)).json()).toEqual({ Space: created, TotalUnitCount: 0 });
    res = await api("/space", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ Slug: slug }),
    });
    expect(res.status).toBe(409);
    expect(await res.json()).toEqual({ Code: "409", Message: `space "${slug}" already exists` });
    res = await api(`/space/${created.SpaceID}/unit`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ Slug: "bad", ToolchainType: "Kubernetes/YAML" }),
    });
    const bad = (await res.json()) as { Unit: { UnitID: string; HeadRevisionNum: number } };
    expect(bad).not.toHaveProperty("Unit.Data");
    expect(bad.Unit.HeadRevisionNum).toBe(0);
    res = await api(`/space/${created.SpaceID}/unit/${bad.Unit.UnitID}/data`, {
      method: "PUT",
      headers: { "content-type": "application/octet-stream" },
      body: "kind: [\n",
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { Message: string }).Message).toMatch(/line \d+, column \d+/);
    res = await api(`/space/${created.SpaceID}/unit?where=${encodeURIComponent("Slug = 'a' OR Slug = 'b'")}`);
    expect(res.status).toBe(400);
    expect((await api("/space/00000000-0000-0000-0000-000000000000")).status).toBe(404);
    expect((await api(`/space/${created.SpaceID}/unit`)).headers.get("content-type")).toMatch(/json/);
  });

  it("pages lists with limit and ConfigHub-Continue; the client follows every page", async () => {
    const s = await client.createSpace({ Slug: `pg-${id()}` });
    for (let i = 0; i < 5; i++) await client.createUnit(s.Slug, { Slug: `u${i}` });
    const first = await api(`/space/${s.SpaceID}/unit?limit=2`);
    const token = first.headers.get("ConfigHub-Continue");
    expect(((await first.json()) as UnitListItem[]).map((i) => i.Unit.Slug)).toEqual(["u0", "u1"]);
    expect(token).toBeTruthy();
    const second = await api(`/space/${s.SpaceID}/unit?limit=2&continue=${token}`);
    expect(((await second.json()) as UnitListItem[]).map((i) => i.Unit.Slug)).toEqual(["u2", "u3"]);
    expect((await client.listUnits(s.Slug)).map((i) => i.Unit.Slug)).toEqual(["u0", "u1", "u2", "u3", "u4"]);
  });

  it("serves data with ETag, 304 on If-None-Match, and guards writes with If-Match", async () => {
    const s = await client.createSpace({ Slug: `d-${id()}` });
    const u = await client.createUnit(s.Slug, { Slug: "backend", Data: globalAppData("backend") });
    const first = await client.fetchUnitData(s.Slug, "backend");
    expect(first).toMatchObject({ notModified: false, data: globalAppData("backend"), etag: `"${u.DataHash}"` });
    expect(await client.fetchUnitData(s.Slug, "backend", first.etag as string)).toEqual({
      notModified: true,
      etag: first.etag,
    });
    const changed = globalAppData("backend").replace("replicas: 1", "replicas: 2");
    const u2 = await client.putUnitData(s.Slug, "backend", changed, { ifMatch: u.DataHash, description: "scale" });
    expect(u2).toMatchObject({ HeadRevisionNum: 2, LastChangeDescription: "scale" });
    const stale = await client
      .putUnitData(s.Slug, "backend", globalAppData("backend"), { ifMatch: u.DataHash })
      .catch((e) => e);
    expect(stale).toBeInstanceOf(ConfigHubError);
    expect(stale.status).toBe(409);
    expect((await client.fetchUnitData(s.Slug, "backend", first.etag as string)).notModified).toBe(false);
    expect((await client.listRevisions(s.Slug, "backend")).map((r) => r.RevisionNum)).toEqual([1, 2]);
    expect(await client.getRevisionData(s.Slug, "backend", 1)).toBe(globalAppData("backend"));
    const res = await api(`/space/${s.SpaceID}/unit/${u.UnitID}`, {
      method: "PATCH",
      headers: { "content-type": "application/merge-patch+json" },
      body: JSON.stringify({ DisplayName: "x", Version: u.Version }),
    });
    expect(res.status).toBe(409); // Version moved on with the data write
  });

  it("clones, upgrades (single and bulk, 200/207), restores and invokes functions over HTTP", async () => {
    const base = await client.createSpace({ Slug: `b-${id()}` });
    const prod = await client.createSpace({ Slug: `p-${id()}` });
    await client.createUnit(base.Slug, { Slug: "backend", Data: globalAppData("backend") });
    await client.createUnit(base.Slug, { Slug: "frontend", Data: globalAppData("frontend") });
    for (const u of ["backend", "frontend"]) await client.cloneUnit(prod.Slug, base.Slug, u);
    await client.invokeFunctions(prod.Slug, "Slug = 'backend'", [
      { FunctionName: "set-replicas", Arguments: [{ ParameterName: "replicas", Value: 3 }] },
    ]);
    const results = await client.invokeFunctions(base.Slug, undefined, [
      {
        FunctionName: "set-image-reference",
        Arguments: [
          { ParameterName: "container-name", Value: "backend" },
          { ParameterName: "image-reference", Value: ":1.1.2" },
        ],
      },
    ]);
    expect(results.map((r) => [r.UnitSlug, r.HasNewMutations])).toEqual([
      ["backend", true],
      ["frontend", false],
    ]);

    const up = await client.upgradeUnit(prod.Slug, "backend");
    expect(up).toMatchObject({ unit: { UpstreamRevisionNum: 2, HeadRevisionNum: 3 }, conflicts: [] });
    const data = await client.getUnitData(prod.Slug, "backend");
    expect(data).toContain("backend:1.1.2");
    expect(data).toContain("replicas: 3");

    await client.createUnit(prod.Slug, { Slug: "no-upstream" });
    const res = await api(`/unit?where=${encodeURIComponent(`SpaceID = '${prod.SpaceID}'`)}&upgrade=true`, {
      method: "PATCH",
      headers: { "content-type": "application/merge-patch+json" },
      body: "null",
    });
    expect(res.status).toBe(207);
    const bulk = (await res.json()) as Array<{ Unit: { Slug: string }; Error?: { Status: number } }>;
    expect(bulk.map((r) => [r.Unit.Slug, r.Error?.Status ?? null])).toEqual([
      ["backend", null],
      ["frontend", null],
      ["no-upstream", 400],
    ]);
    const ok = await client.bulkUpgrade(`SpaceID = '${prod.SpaceID}' AND UpstreamRevisionNum > 0`);
    expect(ok.every((r) => r.Error === undefined)).toBe(true);

    const restored = await client.restoreUnit(prod.Slug, "backend", 2);
    expect(restored).toMatchObject({ HeadRevisionNum: 4, UpstreamRevisionNum: 1 });
    expect(await client.getUnitData(prod.Slug, "backend")).toContain("backend:1.1.1");
    const noUp = await client.upgradeUnit(base.Slug, "backend").catch((e) => e);
    expect(noUp).toMatchObject({ status: 400 });
    const applied = await client.markApplied(prod.Slug, "backend", 4);
    expect(applied.LastAppliedRevisionNum).toBe(4);
  });
});

describe("ConfigHub client resilience against the hub", () => {
  let store: TestStore;
  let app: FastifyInstance;
  let url: string;
  const faults: Array<{ status: number; retryAfter?: string } | { delayMs: number }> = [];
  let seen = 0;

  beforeAll(async () => {
    store = await openTestStore("pglite");
    app = buildHubServer({ hub: new Hub(store.db), token: "t" });
    // Fault injection in front of the real hub: the next queued fault answers instead of it.
    app.addHook("onRequest", async (_req, reply) => {
      seen++;
      const fault = faults.shift();
      if (!fault) return;
      if ("delayMs" in fault) {
        await new Promise((r) => setTimeout(r, fault.delayMs));
        return;
      }
      if (fault.retryAfter) reply.header("retry-after", fault.retryAfter);
      await reply.code(fault.status).send({ Code: String(fault.status), Message: "try later" });
    });
    await app.listen({ host: "127.0.0.1", port: 0 });
    url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  });
  afterAll(async () => {
    await app?.close();
    await store?.cleanup();
  });

  it("retries 429 and 5xx, honouring Retry-After, then succeeds", async () => {
    const client = new ConfigHubClient({ url, token: "t", backoffMs: 5 });
    faults.push({ status: 429, retryAfter: "1" }, { status: 503 }, { status: 500 });
    seen = 0;
    const started = Date.now();
    expect(await client.listSpaces()).toEqual([]);
    expect(seen).toBe(4);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900); // waited as Retry-After asked
  });

  it("gives up after its retries with a clear error, and does not repeat a POST on 500", async () => {
    const client = new ConfigHubClient({ url, token: "t", retries: 2, backoffMs: 5 });
    faults.push({ status: 502 }, { status: 502 }, { status: 502 });
    const err = await client.listSpaces().catch((e) => e);
    expect(err).toBeInstanceOf(ConfigHubUnavailableError);
    expect(err.message).toMatch(/failed \(GET \/space\): 502 try later/);
    faults.length = 0;
    faults.push({ status: 500 });
    seen = 0;
    await expect(client.createSpace({ Slug: "once" })).rejects.toThrow(/500/);
    expect(seen).toBe(1);
  });

  it("times out a hanging request", async () => {
    const client = new ConfigHubClient({ url, token: "t", retries: 0, timeoutMs: 200 });
    faults.push({ delayMs: 1500 });
    await expect(client.listSpaces()).rejects.toThrow(/no answer within 200 ms/);
  });

  it("names an unreachable hub", async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, "127.0.0.1", () => r()));
    const port = (closed.address() as { port: number }).port;
    await new Promise((r) => closed.close(r));
    const client = new ConfigHubClient({ url: `http://127.0.0.1:${port}`, token: "t", retries: 1, backoffMs: 5 });
    await expect(client.listSpaces()).rejects.toThrow(/unreachable .*ECONNREFUSED/);
  });
});

describe("hub serve without HUB_TOKEN", () => {
  it("listens on loopback only, with a generated token that works", async () => {
    const store = await openTestStore("postgres");
    try {
      await expect(startHubServer({ db: store.db, listen: "0.0.0.0:0" })).rejects.toThrow(
        /HUB_TOKEN is not set: the hub listens on loopback only/,
      );
      const hub = await startHubServer({ db: store.db, listen: "127.0.0.1:0" });
      try {
        expect(hub.generatedToken).toBe(true);
        expect(hub.token.length).toBeGreaterThanOrEqual(32);
        expect((await fetch(`${hub.url}/api/space`)).status).toBe(401);
        const res = await fetch(`${hub.url}/api/space`, { headers: { authorization: `Bearer ${hub.token}` } });
        expect(res.status).toBe(200);
      } finally {
        await hub.close();
      }
    } finally {
      await store.cleanup();
    }
  });
});

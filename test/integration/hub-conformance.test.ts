import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigHubClient } from "../../src/hub/confighub/client.js";
import { buildHubServer } from "../../src/hub/http/server.js";
import { Hub } from "../../src/hub/hub.js";
import { globalAppData } from "../helpers/global-app.js";
import { findOperation, responseErrors, SPEC } from "../helpers/openapi.js";
import { openTestStore, type TestStore } from "../helpers/stores.js";

// Every answer of the embedded hub, for every operation of ConfigHub's spec subset that it serves, checked against
// the schema the spec declares for that operation and status (ajv over src/hub/confighub/openapi.json).

/** ConfigHub operations the embedded hub does not serve (docs/hub.md). */
const NOT_SERVED = new Set(["ListExtendedReleases"]);

interface Seen {
  method: string;
  path: string;
  status: number;
  type: string;
  body: string;
}

describe("the embedded hub answers with ConfigHub's shapes", () => {
  let store: TestStore;
  let app: FastifyInstance;
  const hub = { url: "", token: "conformance" };
  let client: ConfigHubClient;
  const seen: Seen[] = [];
  const api = (path: string, init: RequestInit = {}) =>
    fetch(`${hub.url}/api${path}`, { ...init, headers: { authorization: `Bearer ${hub.token}`, ...init.headers } });

  beforeAll(async () => {
    store = await openTestStore("pglite");
    app = buildHubServer({ hub: new Hub(store.db), token: hub.token });
    app.addHook("onSend", async (req, reply, payload) => {
      seen.push({
        method: req.method,
        path: req.url.split("?")[0],
        status: reply.statusCode,
        type: String(reply.getHeader("content-type") ?? ""),
        body: typeof payload === "string" ? payload : "",
      });
      return payload;
    });
    await app.listen({ host: "127.0.0.1", port: 0 });
    hub.url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
    client = new ConfigHubClient({ url: hub.url, token: hub.token });
  });
  afterAll(async () => {
    await app?.close();
    await store?.cleanup();
  });

  it("for every operation it serves, on success and on error", async () => {
    const base = await client.createSpace({ Slug: "conf-base", Labels: { env: "qa" } });
    const prod = await client.createSpace({ Slug: "conf-prod" });
    await client.listSpaces();
    await client.getSpace(base.Slug);
    const backend = await client.createUnit(base.Slug, { Slug: "backend", Data: globalAppData("backend") });
    await client.createUnit(base.Slug, { Slug: "frontend", Data: globalAppData("frontend") });
    await client.cloneUnit(prod.Slug, base.Slug, "backend");
    await client.listUnits(base.Slug);
    await client.listUnits(undefined, "Labels.missing IS NULL");
    await client.getUnit(base.Slug, "backend");
    await api(`/space/${base.SpaceID}/unit/${backend.UnitID}?include=SpaceID,HeadRevisionNum,UpstreamUnitID`);
    await client.getUnitData(base.Slug, "backend");
    await client.putUnitData(base.Slug, "backend", globalAppData("backend").replace("replicas: 1", "replicas: 2"));
    await client.updateUnit(base.Slug, "backend", { Labels: { tier: "backend" } });
    const revs = await client.listRevisions(base.Slug, "backend");
    await api(`/space/${base.SpaceID}/unit/${backend.UnitID}/revision/${revs[0].RevisionID}`);
    await client.getRevisionData(base.Slug, "backend", 1);
    await client.invokeFunctions(base.Slug, undefined, [
      { FunctionName: "set-replicas", Arguments: [{ ParameterName: "replicas", Value: 3 }] },
    ]);
    await client.invokeFunctions(base.Slug, undefined, [{ FunctionName: "get-replicas", Arguments: [] }]);
    await client.upgradeUnit(prod.Slug, "backend");
    await client.bulkUpgrade("UpstreamRevisionNum > 0");
    await client.publishRelease(base.Slug);
    await client.restoreUnit(base.Slug, "backend", 1);
    const json = { "content-type": "application/json" };
    const put = await api(`/space/${base.SpaceID}/unit/${backend.UnitID}`, {
      method: "PUT",
      headers: json,
      body: JSON.stringify({ Slug: "backend", ToolchainType: "Kubernetes/YAML", DisplayName: "Backend" }),
    });
    expect(put.status).toBe(200);
    await api(`/space/${prod.SpaceID}`, { method: "PUT", headers: json, body: JSON.stringify({ Slug: "conf-prod" }) });
    await api(`/space/${prod.SpaceID}`, {
      method: "PATCH",
      headers: { "content-type": "application/merge-patch+json" },
      body: JSON.stringify({ Labels: { env: "prod" } }),
    });
    // 207: one unit of the bulk upgrade has no upstream.
    await client.createUnit(prod.Slug, { Slug: "local-only" });
    await api(`/unit?upgrade=true&where=${encodeURIComponent("Slug = 'local-only'")}`, {
      method: "PATCH",
      headers: { "content-type": "application/merge-patch+json" },
      body: "{}",
    });
    // Errors: 400 (a revision number in the path, a bad where), 401, 404, 409.
    expect((await api(`/space/${base.SpaceID}/unit/${backend.UnitID}/revision/1`)).status).toBe(400);
    expect((await api(`/space?where=${encodeURIComponent("Slug = 'a' OR Slug = 'b'")}`)).status).toBe(400);
    expect((await fetch(`${hub.url}/api/space`)).status).toBe(401);
    expect((await api("/space/00000000-0000-0000-0000-000000000000")).status).toBe(404);
    expect(
      (await api("/space", { method: "POST", headers: json, body: JSON.stringify({ Slug: "conf-base" }) })).status,
    ).toBe(409);
    await client.deleteUnit(prod.Slug, "local-only");
    await client.deleteUnit(prod.Slug, "backend");
    await client.deleteSpace(prod.Slug);

    const problems: string[] = [];
    const exercised = new Set<string>();
    for (const s of seen) {
      const op = findOperation(s.method, s.path);
      if (!op) {
        problems.push(`${s.method} ${s.path}: not an operation of the spec`);
        continue;
      }
      exercised.add(op.operationId);
      if (s.status === 304) continue;
      if (s.type.startsWith("application/octet-stream")) {
        const declared = op.op.responses[String(s.status)]?.content?.["application/octet-stream"];
        if (!declared) problems.push(`${op.operationId} ${s.status}: octet-stream not declared`);
        continue;
      }
      for (const e of responseErrors(op.operationId, s.status, JSON.parse(s.body)))
        problems.push(`${op.operationId} ${s.status}: ${e}`);
    }
    expect(problems).toEqual([]);
    const all = Object.values(SPEC.paths).flatMap((ops) =>
      Object.entries(ops)
        .filter(([m]) => m !== "parameters")
        .map(([, o]) => o.operationId),
    );
    expect(all.filter((o) => !NOT_SERVED.has(o) && !exercised.has(o))).toEqual([]);
    expect([...exercised].filter((o) => NOT_SERVED.has(o))).toEqual([]);
  });
});

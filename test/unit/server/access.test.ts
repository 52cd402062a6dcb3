// The access gate without a cluster: open routes, unauthenticated reads on loopback only, the static token.
import Fastify from "fastify";
import { describe, expect, it } from "vitest";
import { AccessGate, isLoopback, requirement } from "../../../src/server/access.js";

const TOKEN = "unit-static-token-0123456789";

function app(loopback: boolean, apiToken?: string) {
  const a = Fastify();
  new AccessGate({ loopback, apiToken, metricsAuth: true }).register(a);
  a.get("/healthz", async () => ({ ok: true }));
  a.get("/metrics", async () => "m");
  a.get("/api/drifts", async (req) => ({ who: req.identity?.username ?? null }));
  a.post("/api/drifts/:id/actions", async (req) => ({ who: req.identity?.username }));
  return a;
}

describe("AccessGate", () => {
  it("serves unauthenticated reads on loopback only, never unauthenticated actions", async () => {
    const local = app(true, TOKEN);
    expect((await local.inject({ url: "/api/drifts" })).json()).toEqual({ who: null });
    expect((await local.inject({ url: "/metrics" })).statusCode).toBe(200);
    expect((await local.inject({ method: "POST", url: "/api/drifts/x/actions" })).statusCode).toBe(401);
    const remote = app(false, TOKEN);
    expect((await remote.inject({ url: "/api/drifts" })).statusCode).toBe(401);
    expect((await remote.inject({ url: "/metrics" })).statusCode).toBe(401);
    expect((await remote.inject({ url: "/healthz" })).statusCode).toBe(200);
  });

  it("accepts the static token with every permission and refuses another", async () => {
    const remote = app(false, TOKEN);
    const auth = (t: string) => ({ authorization: `Bearer ${t}` });
    expect((await remote.inject({ url: "/api/drifts", headers: auth(TOKEN) })).json()).toEqual({ who: "api-token" });
    const act = await remote.inject({ method: "POST", url: "/api/drifts/x/actions", headers: auth(TOKEN) });
    expect(act.json()).toEqual({ who: "api-token" });
    expect((await remote.inject({ url: "/api/drifts", headers: auth(`${TOKEN}x`) })).statusCode).toBe(401);
  });

  it("says actions are disabled when nothing could authenticate them", async () => {
    const res = await app(true).inject({ method: "POST", url: "/api/drifts/x/actions" });
    expect(res.statusCode).toBe(403);
    expect(res.json().error).toMatch(/disabled/);
  });

  it("maps routes to drift-detector.io permissions", () => {
    const need = (m: string, route: string) => requirement(m, route, route, false);
    expect(need("GET", "/api/drifts")).toMatchObject({ attrs: { resource: "drifts", verb: "list" } });
    expect(need("GET", "/api/drifts/:id")).toMatchObject({ attrs: { resource: "drifts", verb: "get" } });
    expect(need("GET", "/api/events")).toMatchObject({ attrs: { resource: "drifts", verb: "watch" } });
    expect(need("GET", "/api/audit")).toMatchObject({ attrs: { resource: "audit", verb: "list" } });
    expect(need("POST", "/api/drifts/:id/actions")).toMatchObject({ kind: "write", attrs: { verb: "update" } });
    expect(need("GET", "/metrics")).toEqual({ kind: "open" });
    expect(need("GET", "/")).toEqual({ kind: "open" });
    expect([isLoopback("127.0.0.1"), isLoopback("::1"), isLoopback("0.0.0.0"), isLoopback("10.0.0.1")]).toEqual([
      true,
      true,
      false,
      false,
    ]);
  });
});

// Authenticated reads and actions through the service off loopback, against the sandbox's kube-apiserver: real
// service-account tokens (`kubectl create token`) checked with TokenReview, authorized with SubjectAccessReview on
// drift-detector.io by the ClusterRoles deploy/ ships; the audit names the token's identity, not the body's actor.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DriftRecord } from "../../src/detector/records.js";
import type { RunningService } from "../../src/service/service.js";
import {
  createTestNamespace,
  kubectlIn,
  kubectlWithInput,
  loadKubeConfig,
  type TestNamespace,
} from "../helpers/kube.js";
import { webAndSettings } from "../helpers/manifests.js";
import { startReadyService, testRunSettings, untilWithin } from "../helpers/service-run.js";

const STATIC = "access-test-static-token-0123456789";
let ns: TestNamespace;
let dir: string;
let service: RunningService;
let base: string;
const tokens: Record<string, string> = {};
const until = untilWithin(20_000);
const kubectl = (...args: string[]): string => kubectlIn(ns.name, ...args);

async function call(method: string, path: string, token?: string, body?: unknown) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body ? { "content-type": "application/json" } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  // biome-ignore lint/suspicious/noExplicitAny: answers are checked field by field
  return { status: res.status, body: json as any, text };
}

/** The status of an SSE request (the stream itself is closed at once). */
async function sseStatus(token?: string): Promise<number> {
  const stream = await openStream(token);
  stream.close();
  return stream.status;
}

async function openStream(token?: string) {
  const ctl = new AbortController();
  const res = await fetch(`${base}/api/events`, {
    headers: token ? { authorization: `Bearer ${token}` } : {},
    signal: ctl.signal,
  });
  return { status: res.status, close: () => ctl.abort() };
}

/** A GET with a chosen Host header (fetch does not let one set it). */
function getWithHost(host: string, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${base}${path}`, { headers: { host, authorization: `Bearer ${STATIC}` } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on("error", reject);
    req.end();
  });
}

describe("access to the API off loopback", () => {
  beforeAll(async () => {
    ns = await createTestNamespace(loadKubeConfig(), "access");
    dir = mkdtempSync(join(tmpdir(), "access-"));
    // The viewer and operator roles exactly as deploy/ ships them (cluster-scoped; applying them again is a no-op).
    const roles = readFileSync("deploy/base/rbac-access.yaml", "utf8")
      .split(/^---$/m)
      .filter((d) => /name: drift-detector-(viewer|operator|metrics-reader)\n/.test(d));
    kubectlWithInput(["apply", "-f", "-"], roles.join("\n---\n"));
    for (const sa of ["viewer", "operator", "stranger", "prometheus"]) kubectl("create", "serviceaccount", sa);
    const bind = (role: string, sa: string) =>
      kubectl(
        "create",
        "clusterrolebinding",
        `${ns.name}-${sa}`,
        `--clusterrole=${role}`,
        `--serviceaccount=${ns.name}:${sa}`,
      );
    bind("drift-detector-viewer", "viewer");
    bind("drift-detector-operator", "operator");
    bind("drift-detector-metrics-reader", "prometheus");
    for (const sa of ["viewer", "operator", "stranger", "prometheus"]) {
      tokens[sa] = kubectl("create", "token", sa, "--duration=1h").trim();
    }
    writeFileSync(join(dir, "app.yaml"), webAndSettings(ns.name));
    kubectl("apply", "--server-side", "-f", join(dir, "app.yaml"));
    service = await startReadyService({
      settings: testRunSettings({
        source: dir,
        dataDir: join(dir, "data"),
        remediation: "suggest",
        apiToken: STATIC,
        listen: "0.0.0.0:0",
        allowedHost: "drift.example.test",
        sseMaxPerClient: "2",
      }),
    });
    base = `http://127.0.0.1:${new URL(service.address).port}`;
  });

  afterAll(async () => {
    await service?.stop();
    if (ns) {
      for (const sa of ["viewer", "operator", "prometheus"]) {
        kubectlWithInput(["delete", "clusterrolebinding", `${ns.name}-${sa}`, "--ignore-not-found"]);
      }
      await ns.delete();
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("refuses every read without a credential (401), but serves health and the dashboard's page", async () => {
    for (const path of ["/api/drifts", "/api/resources", "/api/audit", "/api/remediation", "/api/stats/environments"]) {
      const r = await call("GET", path);
      expect(r.status, path).toBe(401);
      expect(r.body.error).toMatch(/bearer token/);
    }
    expect(await sseStatus()).toBe(401);
    expect((await call("GET", "/metrics")).status).toBe(401);
    expect((await call("GET", "/healthz")).status).toBe(200);
    expect((await call("GET", "/readyz")).status).toBe(200);
    const page = await call("GET", "/");
    expect(page.status).toBe(200);
    expect(page.text).not.toContain(ns.name);
  });

  it("refuses a token the API server does not accept (401) and a stranger's valid token (403)", async () => {
    expect((await call("GET", "/api/drifts", "not-a-token")).status).toBe(401);
    const forged = `${tokens.viewer!.slice(0, -4)}AAAA`;
    expect((await call("GET", "/api/drifts", forged)).status).toBe(401);
    const stranger = await call("GET", "/api/drifts", tokens.stranger);
    expect(stranger.status).toBe(403);
    expect(stranger.body.error).toBe(`system:serviceaccount:${ns.name}:stranger may not list drifts.drift-detector.io`);
    expect(await sseStatus(tokens.stranger)).toBe(403);
    expect((await call("GET", "/api/audit", tokens.stranger)).status).toBe(403);
    expect((await call("GET", "/metrics", tokens.stranger)).status).toBe(403);
  });

  it("lets a viewer read, watch and see the audit, but not act", async () => {
    expect((await call("GET", "/api/drifts", tokens.viewer)).status).toBe(200);
    expect((await call("GET", "/api/audit", tokens.viewer)).status).toBe(200);
    expect(await sseStatus(tokens.viewer)).toBe(200);
    const me = await call("GET", "/api/whoami", tokens.viewer);
    expect(me.body).toMatchObject({
      authenticated: true,
      username: `system:serviceaccount:${ns.name}:viewer`,
      can: { read: true, watch: true, act: false, audit: true },
    });
    const act = await call("POST", "/api/drifts/whatever/actions", tokens.viewer, { action: "ignore" });
    expect(act.status).toBe(403);
    expect(act.body.error).toMatch(/may not update drifts\.drift-detector\.io/);
  });

  it("lets Prometheus' account with the metrics-reader role scrape /metrics", async () => {
    const r = await call("GET", "/metrics", tokens.prometheus);
    expect(r.status).toBe(200);
    expect(r.text).toContain("drift_detector_");
    expect((await call("GET", "/api/drifts", tokens.prometheus)).status).toBe(403);
  });

  it("audits an operator's action under the token's identity, whatever actor the body names", async () => {
    kubectl("patch", "configmap/settings", "--type=merge", "-p", '{"data":{"mode":"slow"}}');
    const record = await until("the drift record", async () => {
      const { body } = await call("GET", `/api/drifts?namespace=${ns.name}`, tokens.operator);
      return (body.items as DriftRecord[]).find((r) => r.ref.name === "settings");
    });
    const acted = await call("POST", `/api/drifts/${record.id}/actions`, tokens.operator, {
      action: "ignore",
      until: "1h",
      actor: "<!channel> mallory",
    });
    expect(acted.status).toBe(200);
    const { body } = await call("GET", `/api/drifts/${record.id}/audit`, tokens.viewer);
    const actors = (body.items as Array<{ actor: string }>).map((e) => e.actor);
    expect(actors).toEqual([`system:serviceaccount:${ns.name}:operator`]);
    expect(JSON.stringify(body)).not.toContain("mallory");
  });

  it("keeps the static DRIFT_API_TOKEN for local use, audited as api-token", async () => {
    expect((await call("GET", "/api/drifts", STATIC)).status).toBe(200);
    const me = await call("GET", "/api/whoami", STATIC);
    expect(me.body).toMatchObject({ username: "api-token", can: { read: true, act: true } });
  });

  it("refuses a foreign Host header (DNS rebinding) and serves IP literals, localhost and configured names", async () => {
    const port = new URL(base).port;
    expect(await getWithHost(`evil.example.com:${port}`, "/api/drifts")).toBe(421);
    expect(await getWithHost(`evil.example.com:${port}`, "/")).toBe(421);
    expect(await getWithHost(`127.0.0.1:${port}`, "/api/drifts")).toBe(200);
    expect(await getWithHost(`localhost:${port}`, "/api/drifts")).toBe(200);
    expect(await getWithHost(`drift.example.test:${port}`, "/api/drifts")).toBe(200);
    expect(await getWithHost(`[::1]:${port}`, "/healthz")).toBe(200);
  });

  it("limits event streams per client (429) and frees the slot when one closes", async () => {
    const a = await openStream(tokens.operator);
    const b = await openStream(tokens.operator);
    const c = await openStream(tokens.operator);
    expect([a.status, b.status, c.status]).toEqual([200, 200, 429]);
    const other = await openStream(tokens.viewer);
    expect(other.status).toBe(200);
    a.close();
    const again = await until("a freed slot", async () => {
      const s = await openStream(tokens.operator);
      if (s.status === 200) return s;
      s.close();
      return undefined;
    });
    for (const s of [b, c, other, again]) s.close();
  });
});

// The security suite (issue 15): each attack tried against the sandbox's kube-apiserver and the running service off
// loopback. Access: no credential, a stranger's service-account token, a forged token, a foreign Host header. Leaks:
// secret-like values planted in an env var, ConfigMap keys and values, a Secret, an annotation, and a manager name
// carrying Slack markup and terminal sequences, then searched for in every channel: JSON logs, Kubernetes Events,
// the webhook (Slack), the API, the SSE stream, the model's prompts, the store's rows and the CLI's text output.

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DriftRecord } from "../../src/detector/records.js";
import type { RunningService } from "../../src/service/service.js";
import { openStore } from "../../src/store/open.js";
import { cli } from "../helpers/cli.js";
import { type FakeAnthropic, startFakeAnthropic } from "../helpers/fake-anthropic.js";
import { createTestNamespace, kubectlIn, loadKubeConfig, type TestNamespace } from "../helpers/kube.js";
import { type LogLine, logSink, startReadyService, testRunSettings, untilWithin } from "../helpers/service-run.js";

const TOKEN = "security-suite-static-token-0123456789";
const KEY = "sk-ant-api03-security-suite-key-only";
/** Every planted secret: none may appear in any channel, plain or base64. */
const PLANTED = {
  env: "PLANTenv-hunter2",
  configMapKey: "PLANTcm-token",
  configMapValue: "postgres://app:PLANTcm-dsn@db:5432/app",
  secret: "PLANTsecret-s3cr3t",
  annotation: "PLANTannotation-tok",
  jwt: "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJQTEFOVGp3dCJ9.UExBTlRqd3Qtc2lnbmF0dXJl",
};
const needles = Object.values(PLANTED).flatMap((v) => [v, Buffer.from(v).toString("base64")]);
// The credential parts alone: a masked URL must not keep its password either.
needles.push("PLANTcm-dsn", "PLANTjwt");
const MANAGER = "<!channel>";
const ESC = "\u001b";

let ns: TestNamespace;
let dir: string;
let service: RunningService;
let base: string;
let fake: FakeAnthropic;
let receiver: Server;
const hooks: string[] = [];
const lines: LogLine[] = [];
const sse: string[] = [];
let sseAbort: AbortController;
const until = untilWithin(30_000);
const kubectl = (...args: string[]): string => kubectlIn(ns.name, ...args);

async function get(path: string, token: string | null = TOKEN, host?: string) {
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  if (host) {
    // fetch does not let one set Host: a raw request does.
    const { request } = await import("node:http");
    return new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = request(`${base}${path}`, { headers: { ...headers, host } }, (res) => {
        let text = "";
        res.on("data", (c) => {
          text += c;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
      });
      req.on("error", reject);
      req.end();
    });
  }
  const res = await fetch(`${base}${path}`, { headers });
  return { status: res.status, text: await res.text() };
}

function leaks(channel: string, text: string): string[] {
  return needles.filter((n) => text.includes(n)).map((n) => `${channel}: ${n}`);
}

describe("security suite", () => {
  beforeAll(async () => {
    ns = await createTestNamespace(loadKubeConfig(), "security");
    dir = mkdtempSync(join(tmpdir(), "security-"));
    const desired = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: ${ns.name}}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: "nginx:1.27", env: [{name: DB_PASSWORD, value: declared}]}]}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: settings, namespace: ${ns.name}}
data: {mode: fast, API_TOKEN: declared, dsn: "postgres://app@db:5432/app"}
---
apiVersion: v1
kind: Secret
metadata: {name: db, namespace: ${ns.name}}
stringData: {password: declared-password}
`;
    writeFileSync(join(dir, "app.yaml"), desired);
    kubectl("apply", "--server-side", "-f", join(dir, "app.yaml"));
    receiver = createServer((req, res) => {
      let body = "";
      req.on("data", (c) => {
        body += c;
      });
      req.on("end", () => {
        hooks.push(body);
        res.end("ok");
      });
    });
    await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
    fake = await startFakeAnthropic();
    service = await startReadyService({
      settings: testRunSettings({
        source: join(dir, "app.yaml"),
        dataDir: join(dir, "data"),
        listen: "0.0.0.0:0",
        apiToken: TOKEN,
        remediation: "suggest",
        analysis: "claude",
        claudeApiKey: KEY,
        anthropicBaseUrl: fake.url,
        claudeDebugLogging: "true",
        webhookUrl: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`,
      }),
      log: logSink(lines),
    });
    base = `http://127.0.0.1:${new URL(service.address).port}`;
    sseAbort = new AbortController();
    void fetch(`${base}/api/events`, { headers: { authorization: `Bearer ${TOKEN}` }, signal: sseAbort.signal })
      .then(async (res) => {
        for await (const chunk of res.body!) sse.push(Buffer.from(chunk).toString());
      })
      .catch(() => {});

    // The plants: each a drift the service records, reports and analyses.
    kubectl("set", "env", "deployment/web", `DB_PASSWORD=${PLANTED.env}`, `NOTE=${PLANTED.jwt}`);
    kubectl(
      "patch",
      "configmap/settings",
      "--type=merge",
      `--field-manager=${MANAGER}`,
      "-p",
      JSON.stringify({
        data: { API_TOKEN: PLANTED.configMapKey, dsn: PLANTED.configMapValue, mode: `slow${ESC}]0;pwned\u0007` },
      }),
    );
    kubectl("annotate", "configmap/settings", `example.com/auth-token=${PLANTED.annotation}`);
    kubectl("patch", "secret/db", "--type=merge", "-p", JSON.stringify({ stringData: { password: PLANTED.secret } }));
  });

  afterAll(async () => {
    sseAbort?.abort();
    await service?.stop();
    await fake?.close();
    await new Promise((r) => receiver?.close(r));
    await ns?.delete();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  let records: DriftRecord[] = [];

  it("access: no credential 401, a forged token 401, a stranger's token 403, a foreign Host 421", async () => {
    kubectl("create", "serviceaccount", "stranger");
    const stranger = kubectl("create", "token", "stranger").trim();
    expect((await get("/api/drifts", null)).status).toBe(401);
    expect((await get("/api/events", null)).status).toBe(401);
    expect((await get("/api/drifts", `${stranger.slice(0, -3)}xyz`)).status).toBe(401);
    expect((await get("/api/drifts", stranger)).status).toBe(403);
    expect((await get("/api/audit", stranger)).status).toBe(403);
    expect((await get("/api/drifts", TOKEN, "attacker.example:80")).status).toBe(421);
  });

  it("records the planted drifts (the suite's channels have something to leak)", async () => {
    records = await until("four drift records", async () => {
      const { text } = await get(`/api/drifts?namespace=${ns.name}`);
      const items = JSON.parse(text).items as DriftRecord[];
      const names = new Set(items.filter((r) => r.analysis).map((r) => r.ref.name));
      return names.has("web") && names.has("settings") && names.has("db") ? items : undefined;
    });
    await until("the webhook for each", () => hooks.length >= 3);
    const settings = records.find((r) => r.ref.name === "settings")!;
    const acted = await fetch(`${base}/api/drifts/${settings.id}/actions`, {
      method: "POST",
      headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify({ action: "ignore", dryRun: true, until: "1h" }),
    });
    expect(acted.status).toBe(200);
  });

  it("leaks no planted value through any channel", async () => {
    const found: string[] = [];
    found.push(...leaks("logs", JSON.stringify(lines)));
    found.push(...leaks("events", kubectl("get", "events", "-o", "json")));
    found.push(...leaks("webhook", hooks.join("\n")));
    for (const path of [
      "/api/drifts?status=all",
      "/api/resources",
      "/api/audit",
      ...records.map((r) => `/api/drifts/${r.id}`),
    ]) {
      found.push(...leaks(`api ${path}`, (await get(path)).text));
    }
    found.push(...leaks("sse", sse.join("")));
    found.push(...leaks("prompts", fake.requests.map((r) => r.rawBody).join("\n")));
    const env = { ...process.env, DRIFT_SERVER: base, DRIFT_API_TOKEN: TOKEN };
    for (const r of records) {
      const shown = await cli(["drift", "show", r.id], env);
      expect(shown.code).toBe(0);
      found.push(...leaks("cli", shown.stdout));
      expect(shown.stdout).not.toContain(ESC);
    }
    await service.stop();
    const db = await openStore({ dataDir: join(dir, "data"), databaseUrl: "" });
    try {
      const tables = await db.query<{ table_name: string }>(
        "select table_name from information_schema.tables where table_schema = 'public'",
      );
      for (const { table_name } of tables) {
        if (table_name === "install_secret") continue;
        const rows = await db.query(`select * from "${table_name}"`);
        found.push(...leaks(`store ${table_name}`, JSON.stringify(rows)));
      }
    } finally {
      await db.close();
    }
    expect(found).toEqual([]);
    expect(fake.requests.length).toBeGreaterThan(0);
  });

  it("escapes a manager name's Slack markup in notifications", () => {
    const all = hooks.join("\n");
    expect(all).not.toContain(MANAGER);
    expect(all).toContain("&lt;!channel&gt;");
  });
});

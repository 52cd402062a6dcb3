// The service's store faults, end to end on the sandbox's real apiserver:
//  - live objects holding a NUL character and values near the apiserver's limits (a ~900 KB ConfigMap value, a
//    200 KB annotation: the apiserver refuses annotations over 256 KB in all) are recorded, stored and served by the
//    API exactly, on PGlite and on PostgreSQL;
//  - PostgreSQL frozen (SIGSTOP of every one of its processes) for 30 s: no crash, drifts opened and resolved
//    meanwhile are announced once and kept in memory, the service goes unready while its writes wait and recovers
//    when the server wakes (SIGCONT), with every record in the store.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
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
import { modeConfigMap } from "../helpers/manifests.js";
import { httpGet, type LogLine, logSink, startReadyService, testRunSettings, until } from "../helpers/service-run.js";
import { createTestDatabase, STORE_KINDS } from "../helpers/stores.js";
import { startPostgres } from "../setup/postgres.js";

let work: string;
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), "svc-store-faults-"));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

const announced = (lines: LogLine[], event: string, resource: string) =>
  lines.filter((l) => l.event === event && l.resource === resource).length;

function sourceDir(name: string, docs: string[]): string {
  const dir = mkdtempSync(join(work, `${name}-`));
  writeFileSync(join(dir, "objects.yaml"), docs.join("---\n"));
  return dir;
}

describe.each(STORE_KINDS)("live values the store cannot hold as they are, on %s", (kind) => {
  let service: RunningService | undefined;
  let ns: TestNamespace | undefined;
  afterAll(async () => {
    await service?.stop();
    await ns?.delete();
  });

  it("records, stores and serves a NUL character, a 900 KB value and a 200 KB annotation exactly", async () => {
    ns = await createTestNamespace(loadKubeConfig(), "nul");
    const docs = ["nul", "big", "plain"].map((name) => modeConfigMap(ns!.name, name, "declared"));
    kubectlWithInput(["apply", "--server-side", "-f", "-"], docs.join("---\n"));
    const lines: LogLine[] = [];
    service = await startReadyService({
      settings: testRunSettings({
        source: sourceDir(`nul-${kind}`, docs),
        dataDir: join(work, `nul-data-${kind}`),
        analysis: "off",
        ...(kind === "postgres" ? { databaseUrl: await createTestDatabase() } : {}),
      }),
      log: logSink(lines),
    });
    const live = {
      nul: { mode: "a\u0000b" },
      big: { mode: "y".repeat(900 * 1024) },
      plain: { mode: "manual" },
    };
    const note = "n".repeat(200 * 1024);
    for (const [name, data] of Object.entries(live)) {
      const cm = {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { name, namespace: ns.name, ...(name === "big" ? { annotations: { note } } : {}) },
        data,
      };
      kubectlWithInput(["apply", "--server-side", "--force-conflicts", "-f", "-"], JSON.stringify(cm));
    }
    const tracker = service.trackers[0];
    await until("three drifts", () => tracker.openRecords.length === 3, 60_000);
    await until("all stored", () => tracker.pendingWrites === 0);

    const res = await httpGet(service.address, "/api/drifts?limit=10");
    expect(res.status).toBe(200);
    const items = res.body.items as DriftRecord[];
    expect(items.map((r) => r.ref.name).sort()).toEqual(["big", "nul", "plain"]);
    // Compared as booleans: a failure must not print megabytes.
    const exact = (name: string) => {
      const r = items.find((i) => i.ref.name === name);
      const wanted: Array<[string, string]> = [["/data/mode", live[name as keyof typeof live].mode]];
      if (name === "big") wanted.push(["/metadata/annotations/note", note]); // live only, kept by kubectl's apply
      const got = (r?.changes ?? []).map((c) => [c.path, c.live]).sort();
      return JSON.stringify(got) === JSON.stringify(wanted.sort());
    };
    expect(Object.keys(live).filter((name) => !exact(name))).toEqual([]);
    for (const name of Object.keys(live)) expect(announced(lines, "opened", `ConfigMap ${ns.name}/${name}`)).toBe(1);
    expect(lines.filter((l) => /store (refused|unavailable)/.test(String(l.msg)))).toEqual([]);
    const metrics = (await httpGet(service.address, "/metrics")).text;
    expect(metrics).toMatch(/^drift_detector_store_write_failures_total\{reason="refused"\} 0$/m);
    expect(metrics).toMatch(/^drift_detector_store_available 1$/m);
  }, 180_000);
});

describe("PostgreSQL frozen (SIGSTOP) for 30 s", () => {
  let service: RunningService | undefined;
  let ns: TestNamespace | undefined;
  let postgres: Awaited<ReturnType<typeof startPostgres>> | undefined;
  let frozen: number[] = [];
  afterAll(async () => {
    signal(frozen, "SIGCONT");
    await service?.stop();
    await ns?.delete();
    await postgres?.stop();
  });

  it("keeps detecting and announcing, goes unready, and stores every record once the server wakes", async () => {
    // A server of this test's own: freezing the run's shared one would stall every other suite.
    postgres = await startPostgres();
    ns = await createTestNamespace(loadKubeConfig(), "pgstop");
    const docs = ["a", "b"].map((name) => modeConfigMap(ns!.name, name, "declared"));
    kubectlWithInput(["apply", "--server-side", "-f", "-"], docs.join("---\n"));
    const lines: LogLine[] = [];
    service = await startReadyService({
      settings: testRunSettings({
        source: sourceDir("pgstop", docs),
        dataDir: join(work, "pgstop-data"),
        analysis: "off",
        databaseUrl: postgres.url,
        // Shorter than the defaults (10 s, 30 s, 60 s) to keep the test short; the freeze is as long as the issue's.
        databaseConnectTimeout: "2s",
        databaseStatementTimeout: "2s",
        storeLagLimit: "5s",
      }),
      log: logSink(lines),
    });
    const tracker = service.trackers[0];
    const cluster = service.detectors[0].name;
    const cm = (name: string) => `ConfigMap ${ns!.name}/${name}`;
    const ready = async () => (await httpGet(service!.address, "/readyz")).status === 200;

    kubectlIn(ns.name, "patch", "configmap", "a", "--type=merge", "-p", '{"data":{"mode":"manual"}}');
    await until("a's drift stored", () => announced(lines, "opened", cm("a")) === 1 && tracker.pendingWrites === 0);

    frozen = [postgres.pid, ...childrenOf(postgres.pid)];
    signal(frozen, "SIGSTOP");
    const frozenAt = Date.now();
    kubectlIn(ns.name, "patch", "configmap", "b", "--type=merge", "-p", '{"data":{"mode":"manual"}}');
    kubectlIn(ns.name, "patch", "configmap", "a", "--type=merge", "-p", '{"data":{"mode":"declared"}}');
    await until(
      "b opened and a resolved meanwhile",
      () => announced(lines, "opened", cm("b")) === 1 && announced(lines, "resolved", cm("a")) === 1,
    );
    const unready = await until("unready while writes wait", async () => {
      const r = await httpGet(service!.address, "/readyz");
      return r.status === 503 && r.body.conditions[`store ${cluster}`] !== "ok" ? r.body : undefined;
    });
    expect(unready.conditions[`store ${cluster}`]).toMatch(/^2 drift record change\(s\) not stored for \d+s$/);
    expect((await httpGet(service.address, "/healthz")).status).toBe(200);
    // The API answers within its statement timeout, from memory.
    const listed = await fetch(`${service.address}/api/drifts`, { signal: AbortSignal.timeout(15_000) });
    expect(listed.status).toBe(200);
    expect(listed.headers.get("warning")).toMatch(/store unavailable/);
    expect(((await listed.json()) as { items: DriftRecord[] }).items.map((r) => r.ref.name)).toEqual(["b"]);
    expect(tracker.pendingWrites).toBe(2);

    await new Promise((r) => setTimeout(r, Math.max(0, 30_000 - (Date.now() - frozenAt))));
    signal(frozen, "SIGCONT");
    frozen = [];
    const wokeAt = Date.now();
    await until("every change stored", () => tracker.pendingWrites === 0, 60_000);
    await until("ready again", ready);
    const recoveryMs = Date.now() - wokeAt;
    process.stderr.write(`[pg-sigstop] frozen 30 s; all records stored and ready ${recoveryMs} ms after SIGCONT\n`);

    // Every record is in the store as the service saw it, and nothing was announced twice.
    const client = new pg.Client({ connectionString: postgres.url });
    await client.connect();
    try {
      const rows = await client.query<{ name: string; status: string }>(
        "select name, status from drift_record order by name",
      );
      expect(rows.rows).toEqual([
        { name: "a", status: "resolved" },
        { name: "b", status: "open" },
      ]);
    } finally {
      await client.end();
    }
    expect(announced(lines, "opened", cm("a"))).toBe(1);
    expect(announced(lines, "opened", cm("b"))).toBe(1);
    expect(lines.filter((l) => l.event === "resolved")).toHaveLength(1);
    expect(lines.filter((l) => l.msg === "detection loop failed")).toHaveLength(0);
  }, 240_000);
});

/** The processes whose parent is `pid` (the server's backends and helpers). */
function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // "pid (comm) state ppid …": comm may hold spaces, so read after its closing parenthesis.
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid === pid) out.push(Number(entry));
    } catch {
      // ended meanwhile
    }
  }
  return out;
}

function signal(pids: number[], sig: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, sig);
    } catch {
      // ended meanwhile
    }
  }
}

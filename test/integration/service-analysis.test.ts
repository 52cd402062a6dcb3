// The service's drift analysis against the sandbox and a local imitation of Anthropic's Messages API: the drifts of
// one detection go to Claude in one request, model analyses are cached in the store by fingerprint and served with
// the new record's id filled in, a rules fallback is not cached (the same drift reaches Claude next time), and a
// missing key stops `drift-detector run` with one line unless a local model is configured.
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { DriftRecord } from "../../src/detector/records.js";
import { objectKey } from "../../src/kube/liveview.js";
import type { RunningService } from "../../src/service/service.js";
import { errorReply, type FakeAnthropic, itemIds, startFakeAnthropic } from "../helpers/fake-anthropic.js";
import { createTestNamespace, kubectlIn, loadKubeConfig, type TestNamespace } from "../helpers/kube.js";
import { modeConfigMap } from "../helpers/manifests.js";
import { httpGet, type LogLine, logSink, startReadyService, testRunSettings, until } from "../helpers/service-run.js";

const kubeconfig = inject("kubeconfig");
const BIN = join(import.meta.dirname, "../../bin/drift-detector.js");
const KEY = "sk-ant-api03-test-key-for-the-fake-server-only";

function configMaps(namespace: string, names: string[], mode: string): string {
  return names.map((name) => modeConfigMap(namespace, name, mode)).join("---\n");
}

describe("drift analysis in the service", () => {
  let ns: TestNamespace;
  let dir: string;
  let fake: FakeAnthropic;
  let service: RunningService;
  const lines: LogLine[] = [];
  const kubectl = (...args: string[]) => kubectlIn(ns.name, ...args);
  const openRecord = (name: string) =>
    service.trackers[0].openRecord(objectKey({ apiVersion: "v1", kind: "ConfigMap", namespace: ns.name, name }));
  const detail = async (id: string): Promise<DriftRecord> => (await httpGet(service.address, `/api/drifts/${id}`)).body;
  const setMode = (name: string, mode: string) =>
    kubectl("patch", "configmap", name, "--type=merge", "-p", JSON.stringify({ data: { mode } }));

  beforeAll(async () => {
    ns = await createTestNamespace(loadKubeConfig(), "ana");
    dir = mkdtempSync(join(tmpdir(), "svc-ana-"));
    // Live differs from desired for a, b and c before the service starts: one full detection finds all three.
    writeFileSync(join(dir, "live.yaml"), configMaps(ns.name, ["a", "b", "c", "d"], "manual"));
    kubectl("apply", "--server-side", "-f", join(dir, "live.yaml"));
    kubectl("patch", "configmap", "d", "--type=merge", "-p", '{"data":{"mode":"declared"}}');
    const desired = join(dir, "desired");
    execFileSync("mkdir", ["-p", desired]);
    writeFileSync(join(desired, "app.yaml"), configMaps(ns.name, ["a", "b", "c", "d"], "declared"));
    fake = await startFakeAnthropic();
    service = await startReadyService({
      settings: testRunSettings({
        source: desired,
        dataDir: join(dir, "data"),
        analysis: "claude",
        claudeApiKey: KEY,
        anthropicBaseUrl: fake.url,
        claudeDebugLogging: "false",
        sourcePoll: "1h",
      }),
      log: logSink(lines),
    });
  });

  afterAll(async () => {
    await service?.stop();
    await fake?.close();
    await ns?.delete();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("sends the drifts of one detection to Claude in one request, and fills in each record's id", async () => {
    const records = await until("three analysed records", () => {
      const rs = ["a", "b", "c"].map(openRecord);
      return rs.every((r) => r?.analysis) ? (rs as DriftRecord[]) : undefined;
    });
    expect(fake.requests).toHaveLength(1);
    expect(itemIds(fake.requests[0])).toHaveLength(3);
    for (const r of records) {
      const stored = await detail(r.id);
      expect(stored.analysis?.source).toBe("claude");
      expect(stored.analysis?.commands).toContain(`drift-detector drift show ${r.id}`);
      // What the model may suggest is read-only: its `drift revert` is dropped.
      expect(stored.analysis?.commands.join(" ")).not.toContain("drift revert");
      expect(JSON.stringify(stored.analysis)).not.toContain("{DRIFT_ID}");
    }
    // Notify first: the opened line comes without analysis, the `drift analysed` line after it carries the summary.
    const opened = lines.findIndex((l) => l.event === "opened" && l.driftId === records[0].id);
    const analysed = lines.findIndex(
      (l) => l.msg?.toString().startsWith("drift analysed") && l.driftId === records[0].id,
    );
    expect(lines[opened]?.analysis).toBeUndefined();
    expect(analysed).toBeGreaterThan(opened);
    expect(lines[analysed]?.analysis).toMatch(/^Fake analysis/);
  });

  it("serves a drift seen again from the store's cache, with the new record's id", async () => {
    const first = openRecord("a") as DriftRecord;
    const requests = fake.requests.length;
    setMode("a", "declared");
    await until("a resolved", async () => (await detail(first.id)).status === "resolved");
    setMode("a", "manual");
    const again = await until("a new record for a", () => {
      const r = openRecord("a");
      return r && r.id !== first.id && r.analysis ? r : undefined;
    });
    expect(again.fingerprint).toBe(first.fingerprint);
    expect(fake.requests.length).toBe(requests);
    const stored = await detail(again.id);
    expect(stored.analysis?.source).toBe("claude");
    expect(stored.analysis?.commands).toContain(`drift-detector drift show ${again.id}`);
    expect(stored.analysis?.commands.join(" ")).not.toContain(first.id);
  });

  it("does not cache a rules fallback: the same drift reaches Claude next time", async () => {
    fake.enqueue(errorReply(400, "invalid_request_error", "bad request for this test"));
    const requests = fake.requests.length;
    setMode("d", "manual");
    const fallback = await until("d analysed", () => {
      const r = openRecord("d");
      return r?.analysis ? r : undefined;
    });
    expect(fallback.analysis?.source).toBe("rules");
    expect(fake.requests.length).toBe(requests + 1);
    setMode("d", "declared");
    await until("d resolved", async () => (await detail(fallback.id)).status === "resolved");
    setMode("d", "manual");
    const again = await until("d analysed again", () => {
      const r = openRecord("d");
      return r && r.id !== fallback.id && r.analysis ? r : undefined;
    });
    expect(again.fingerprint).toBe(fallback.fingerprint);
    expect(again.analysis?.source).toBe("claude");
    expect(fake.requests.length).toBe(requests + 2);
  });
});

describe("drift-detector run without an analysis key", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "svc-key-"));
    writeFileSync(join(dir, "cm.yaml"), configMaps("default", ["x"], "declared"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const baseEnv = () => {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      KUBECONFIG: kubeconfig,
      DRIFT_LEADER_ELECTION: "false",
      DRIFT_LISTEN: "127.0.0.1:0",
    };
    for (const k of ["CLAUDE_API_KEY", "ANTHROPIC_API_KEY", "DRIFT_ANALYSIS", "DRIFT_LLM_URL"]) delete env[k];
    return env;
  };

  it("refuses to start with one clear line", () => {
    const out = spawnSyncCli(["run", "--source", join(dir, "cm.yaml"), "--data-dir", join(dir, "data")], baseEnv());
    expect(out.code).toBe(2);
    expect(out.stdout).toBe("");
    expect(out.stderr.trim().split("\n")).toHaveLength(1);
    expect(out.stderr).toMatch(
      /^drift-detector: CLAUDE_API_KEY is required when DRIFT_ANALYSIS=claude .*DRIFT_LLM_URL/,
    );
  }, 180_000);

  it("starts with a local model instead (then rules)", async () => {
    const env = {
      ...baseEnv(),
      DRIFT_LLM_URL: "http://127.0.0.1:9/v1/chat/completions",
      DRIFT_LLM_MODEL: "tiny",
      DRIFT_LOG_LEVEL: "debug",
    };
    const child = spawn(
      process.execPath,
      [BIN, "run", "--source", join(dir, "cm.yaml"), "--data-dir", join(dir, "data2")],
      { env, stdio: ["ignore", "pipe", "pipe"] },
    );
    let stdout = "";
    child.stdout.on("data", (d) => {
      stdout += d;
    });
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    try {
      await until("the service started", () => stdout.includes('"msg":"drift-detector started"'), 150_000);
      const enabled = stdout
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l))
        .find((l) => l.msg === "drift analysis enabled");
      expect(enabled.providers).toEqual(["local:tiny"]);
    } finally {
      child.kill("SIGTERM");
    }
    // The debug log names each shutdown step and its duration: shown when the exit is not clean.
    expect(await exited, stdout.split("\n").slice(-15).join("\n")).toBe(0);
  }, 180_000);
});

function spawnSyncCli(args: string[], env: NodeJS.ProcessEnv): { code: number | null; stdout: string; stderr: string } {
  try {
    const stdout = execFileSync(process.execPath, [BIN, ...args], { env, encoding: "utf8", stdio: "pipe" });
    return { code: 0, stdout, stderr: "" };
  } catch (err) {
    const e = err as { status: number | null; stdout: string; stderr: string };
    return { code: e.status, stdout: e.stdout, stderr: e.stderr };
  }
}

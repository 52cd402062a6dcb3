// Fault: the model answers 429 (rate limited, with retry-after) for a long stretch, against the sandbox's
// kube-apiserver, the local stand-in of Anthropic's Messages API and a real webhook receiver over HTTP. The issue's
// five minutes are scaled down by the analysis queue's backoff (500 ms doubling to 2 s here, 10 s to 5 min by
// default): the stretch lasts until every drift was refused several times. Asserts: each drift is announced (log
// line, webhook, Kubernetes Event) while the model still refuses, before any analysis; none is lost or announced
// twice, none resolved; when the model answers again each drift gets the model's analysis once, as a second message.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { objectKey } from "../../src/kube/liveview.js";
import type { RunningService } from "../../src/service/service.js";
import {
  analysesFor,
  errorReply,
  type FakeAnthropic,
  itemIds,
  startFakeAnthropic,
  toolUseReply,
} from "../helpers/fake-anthropic.js";
import { type LocalServer, serveLocally } from "../helpers/fake-server.js";
import { createTestNamespace, kubectlIn, loadKubeConfig, type TestNamespace } from "../helpers/kube.js";
import { modeConfigMap } from "../helpers/manifests.js";
import { type LogLine, logSink, startReadyService, testRunSettings, until } from "../helpers/service-run.js";

const KEY = "sk-ant-api03-test-key-for-the-fake-server-only";
const NAMES = ["a", "b", "c", "d"];

describe("the model rate limited (429) for a long stretch", () => {
  let ns: TestNamespace;
  let dir: string;
  let fake: FakeAnthropic;
  let hooks: LocalServer;
  let service: RunningService;
  const lines: LogLine[] = [];
  const messages: string[] = [];
  let limited = true;
  let refused = 0;
  /** How many times each drift waited for a model that refused (the analysis queue's log line). */
  const deferrals = (id: string | undefined) =>
    lines.filter(
      (l) =>
        l.msg === "no model could analyse now; the drifts wait for their analysis" &&
        (l.driftIds as string[]).includes(id ?? ""),
    ).length;

  beforeAll(async () => {
    ns = await createTestNamespace(loadKubeConfig(), "f429");
    dir = mkdtempSync(join(tmpdir(), "f429-"));
    const docs = NAMES.map((n) => modeConfigMap(ns.name, n, "declared")).join("---\n");
    writeFileSync(join(dir, "live.yaml"), docs);
    kubectlIn(ns.name, "apply", "--server-side", "-f", join(dir, "live.yaml"));
    mkdirSync(join(dir, "desired"));
    writeFileSync(join(dir, "desired", "app.yaml"), docs);
    fake = await startFakeAnthropic((req) => {
      if (!limited) return toolUseReply(analysesFor(itemIds(req)));
      refused++;
      return errorReply(429, "rate_limit_error", "Number of request tokens has exceeded your per-minute rate limit", {
        "retry-after": "1",
      });
    });
    hooks = await serveLocally((_req, res, body) => {
      messages.push(JSON.parse(body).text);
      res.end("ok");
    });
    service = await startReadyService({
      settings: testRunSettings({
        source: join(dir, "desired"),
        dataDir: join(dir, "data"),
        analysis: "claude",
        claudeApiKey: KEY,
        anthropicBaseUrl: fake.url,
        claudeDebugLogging: "false",
        webhookUrl: hooks.url,
        sourcePoll: "1h",
      }),
      log: logSink(lines),
      tuning: { analysisRetryMs: 500, analysisRetryMaxMs: 2000 },
    });
  });

  afterAll(async () => {
    await service?.stop();
    await fake?.close();
    await hooks?.close();
    await ns?.delete();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const record = (name: string) =>
    service.trackers[0].openRecord(objectKey({ apiVersion: "v1", kind: "ConfigMap", namespace: ns.name, name }));
  const about = (name: string, kind: "opened" | "analysis") =>
    messages.filter((m) =>
      kind === "opened"
        ? m.startsWith(`:warning: Drift opened: ConfigMap ${ns.name}/${name} `)
        : m.startsWith(":mag: Analysis of drift") && m.includes(`ConfigMap ${ns.name}/${name}\n`),
    );
  const opened = (name: string) =>
    lines.filter((l) => l.event === "opened" && l.resource === `ConfigMap ${ns.name}/${name}`);

  it("announces each drift at once, analyses it when the model is back, once each", async () => {
    const t0 = Date.now();
    // A burst of drifts while the model refuses: two at once, two more while the first wait.
    for (const name of ["a", "b"])
      kubectlIn(ns.name, "patch", "configmap", name, "--type=merge", "-p", '{"data":{"mode":"manual"}}');
    await until("a and b announced", () => about("a", "opened").length + about("b", "opened").length === 2, 60_000);
    const notifiedMs = Date.now() - t0;
    for (const name of ["c", "d"])
      kubectlIn(ns.name, "patch", "configmap", name, "--type=merge", "-p", '{"data":{"mode":"manual"}}');
    await until("c and d announced", () => about("c", "opened").length + about("d", "opened").length === 2, 60_000);

    // Announced (webhook, log line, Event) while no analysis exists; every drift refused several times meanwhile.
    await until("every drift deferred three times", () => NAMES.every((n) => deferrals(record(n)?.id) >= 3), 120_000);
    for (const name of NAMES) {
      expect(record(name)?.analysis).toBeNull();
      expect(about(name, "analysis")).toHaveLength(0);
      expect(opened(name)).toHaveLength(1);
      expect(opened(name)[0]?.analysis).toBeUndefined();
    }
    const events = JSON.parse(kubectlIn(ns.name, "get", "events", "-o", "json")).items.filter(
      (e: { reason: string }) => e.reason === "DriftDetected",
    );
    expect(events.map((e: { involvedObject: { name: string } }) => e.involvedObject.name).sort()).toEqual(NAMES);
    const refusedBeforeRecovery = refused;
    const limitedForMs = Date.now() - t0;

    limited = false;
    const recovered = Date.now();
    await until(
      "every drift analysed by the model",
      () => NAMES.every((n) => record(n)?.analysis?.source === "claude"),
      60_000,
    );
    await until(
      "every analysis sent as a second message",
      () => NAMES.every((n) => about(n, "analysis").length === 1),
      30_000,
    );
    const analysedMs = Date.now() - recovered;

    for (const name of NAMES) {
      const r = record(name);
      expect(r?.status).toBe("open");
      expect(about(name, "opened")).toHaveLength(1);
      expect(opened(name)).toHaveLength(1);
      // The second message comes after the first, and names the same drift.
      const i = messages.indexOf(about(name, "opened")[0] ?? "");
      const j = messages.indexOf(about(name, "analysis")[0] ?? "");
      expect(j).toBeGreaterThan(i);
      expect(about(name, "analysis")[0]).toContain(`drift ${r?.id}`);
      expect(lines.filter((l) => l.msg === `drift analysed: ConfigMap ${ns.name}/${name}`)).toHaveLength(1);
    }
    expect(lines.filter((l) => l.event === "resolved")).toHaveLength(0);
    // Wait past one more backoff: nothing is analysed or sent again.
    await new Promise((r) => setTimeout(r, 2500));
    expect(NAMES.map((n) => about(n, "analysis").length)).toEqual([1, 1, 1, 1]);
    console.log(
      JSON.stringify({
        figures: "model rate limited",
        firstNotifiedMs: notifiedMs,
        limitedForMs,
        refused429: refusedBeforeRecovery,
        analysedAfterRecoveryMs: analysedMs,
        drifts: NAMES.length,
        webhookMessages: messages.length,
      }),
    );
  }, 240_000);
});

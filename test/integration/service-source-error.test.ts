// A desired document that stops parsing is a source error, not a resolution: its open drift stays open (same id,
// snooze kept, nothing announced), marked in the API and by a log line and a metric; once the document parses again
// the same record goes on and resolves only when the cluster matches it again. Real apiserver, real directory.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
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

const TOKEN = "source-error-test-token";

describe("a desired document broken and repaired", () => {
  let service: RunningService | undefined;
  let ns: TestNamespace | undefined;
  const work = mkdtempSync(join(tmpdir(), "svc-source-error-"));
  afterAll(async () => {
    await service?.stop();
    await ns?.delete();
    rmSync(work, { recursive: true, force: true });
  });

  it("keeps the drift open with its id and snooze, marks it, and goes on with the same record", async () => {
    ns = await createTestNamespace(loadKubeConfig(), "srcerr");
    const dir = join(work, "desired");
    const heldDoc = modeConfigMap(ns.name, "held", "declared");
    const goneDoc = modeConfigMap(ns.name, "gone", "declared");
    mkdirSync(dir);
    writeFileSync(join(dir, "held.yaml"), heldDoc);
    writeFileSync(join(dir, "gone.yaml"), goneDoc);
    kubectlWithInput(
      ["apply", "--server-side", "-f", "-"],
      [modeConfigMap(ns.name, "held", "manual"), modeConfigMap(ns.name, "gone", "manual")].join("---\n"),
    );
    const lines: LogLine[] = [];
    service = await startReadyService({
      settings: testRunSettings({
        source: dir,
        dataDir: join(work, "data"),
        analysis: "off",
        remediation: "suggest",
        apiToken: TOKEN,
      }),
      log: logSink(lines),
    });
    // biome-ignore lint/suspicious/noExplicitAny: API answers are checked field by field
    const api = async (method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> => {
      const res = await fetch(`${service!.address}${path}`, {
        method,
        headers: { authorization: `Bearer ${TOKEN}`, ...(body ? { "content-type": "application/json" } : {}) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: res.status, body: await res.json() };
    };
    const record = async (name: string): Promise<DriftRecord | undefined> =>
      ((await httpGet(service!.address, `/api/drifts?status=all`)).body.items as DriftRecord[]).find(
        (r) => r.ref.name === name && r.ref.namespace === ns!.name,
      );
    const events = (event: string, name: string) =>
      lines.filter((l) => l.event === event && l.resource === `ConfigMap ${ns!.name}/${name}`).length;

    const opened = await until("held's drift", () => record("held"));
    await until("gone's drift", () => record("gone"));
    expect(
      (await api("POST", `/api/drifts/${opened.id}/actions`, { action: "ignore", actor: "t", until: "2h" })).status,
    ).toBe(200);

    // Broken: held.yaml no longer parses; gone.yaml is emptied (a real removal, for contrast).
    const brokenAt = Date.now();
    writeFileSync(join(dir, "held.yaml"), `${heldDoc}  data: [unclosed\n`);
    writeFileSync(join(dir, "gone.yaml"), "");
    const marked = await until("held marked with the source error", async () =>
      (await record("held"))?.sourceError ? record("held") : undefined,
    );
    const markMs = Date.now() - brokenAt;
    expect(marked).toMatchObject({
      id: opened.id,
      status: "open",
      fingerprint: opened.fingerprint,
      openedAt: opened.openedAt,
    });
    expect(marked?.sourceError).toMatch(/held\.yaml document 1 .*invalid YAML/);
    await until("gone resolved", async () => (await record("gone"))?.status === "resolved");
    const warned = lines.filter((l) => String(l.msg).startsWith("source error:"));
    expect(warned).toHaveLength(1);
    expect(warned[0]).toMatchObject({ source: join(dir, "held.yaml"), heldDrifts: 1 });
    const metrics = (await httpGet(service.address, "/metrics")).text;
    expect(metrics).toMatch(/^drift_detector_source_errors\{cluster="[^"]+"\} 1$/m);
    const snoozes = (await api("GET", "/api/remediation")).body.snoozes as Array<{ recordId: string }>;
    expect(snoozes.map((s) => s.recordId)).toEqual([opened.id]);

    // Repaired: the same record goes on, unmarked, and nothing was announced for it meanwhile.
    const repairedAt = Date.now();
    writeFileSync(join(dir, "held.yaml"), heldDoc);
    const back = await until("held unmarked", async () => {
      const r = await record("held");
      return r && !r.sourceError ? r : undefined;
    });
    const repairMs = Date.now() - repairedAt;
    expect(back).toMatchObject({ id: opened.id, status: "open", fingerprint: opened.fingerprint });
    expect(lines.some((l) => l.msg === "desired document reads again")).toBe(true);
    expect(events("opened", "held")).toBe(1);
    expect(events("resolved", "held")).toBe(0);
    expect(service.trackers[0].openRecords.map((r) => r.id)).toEqual([opened.id]);

    // And it resolves as any record does once the cluster matches again.
    kubectlIn(ns.name, "patch", "configmap", "held", "--type=merge", "-p", '{"data":{"mode":"declared"}}');
    await until("held resolved", async () => (await record("held"))?.status === "resolved");
    expect(events("resolved", "held")).toBe(1);
    process.stderr.write(
      `[source-error] marked ${markMs} ms after the break; unmarked ${repairMs} ms after the repair\n`,
    );
  }, 180_000);
});

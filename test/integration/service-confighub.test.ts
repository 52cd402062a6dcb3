// The service polling ConfigHub (the stand-in built from ConfigHub's spec, over real HTTP) as cub hands it the
// server and token: it compares the cluster with each unit's last released revision, not its head, and a release
// in ConfigHub is taken up by the next poll.
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { objectKey } from "../../src/kube/liveview.js";
import type { RunningService } from "../../src/service/service.js";
import { ConfigHubStandin } from "../helpers/confighub-standin.js";
import {
  createTestNamespace,
  kubectlIn,
  kubectlWithInput,
  loadKubeConfig,
  type TestNamespace,
} from "../helpers/kube.js";
import { modeConfigMap } from "../helpers/manifests.js";
import { type LogLine, logSink, startReadyService, testRunSettings, until } from "../helpers/service-run.js";

const space = `acorn-${randomBytes(3).toString("hex")}`;
const API_TOKEN = `api-${randomBytes(12).toString("hex")}`;

describe("the service with a confighub: source", () => {
  let ns: TestNamespace;
  let hub: ConfigHubStandin;
  let service: RunningService;
  const serviceDir = mkdtempSync(join(tmpdir(), "svc-confighub-"));
  const lines: LogLine[] = [];
  const doc = (mode: string) => modeConfigMap(ns.name, "settings", mode);

  beforeAll(async () => {
    ns = await createTestNamespace(loadKubeConfig(), "chsvc");
    hub = await new ConfigHubStandin().start();
    hub.addSpace(space);
    // Released at revision 1 (declared); the head (revision 2, manual) is not released yet.
    hub.addUnit(space, "settings", [doc("declared"), doc("manual")], 1);
    kubectlWithInput(["apply", "--server-side", "-f", "-"], doc("declared"));
    service = await startReadyService({
      settings: testRunSettings({
        source: `confighub:${space}`,
        dataDir: join(serviceDir, "data"),
        analysis: "off",
        sourcePoll: "500ms",
        remediation: "suggest",
        apiToken: API_TOKEN,
      }),
      env: { CUB_SERVER: hub.url, CUB_TOKEN: hub.token, HOME: serviceDir },
      log: logSink(lines),
    });
  });

  afterAll(async () => {
    await service?.stop();
    await hub?.close();
    await ns?.delete();
    rmSync(serviceDir, { recursive: true, force: true });
  });

  it("compares with the released revision, and a release resolves the drift it explains", async () => {
    const key = objectKey({ apiVersion: "v1", kind: "ConfigMap", namespace: ns.name, name: "settings" });
    // In sync with the released revision, though the head differs.
    expect(service.trackers[0].openRecord(key)).toBeUndefined();
    kubectlIn(ns.name, "patch", "configmap", "settings", "--type=merge", "-p", '{"data":{"mode":"manual"}}');
    const record = await until("drift against the released revision", () => service.trackers[0].openRecord(key));
    expect(record.changes[0]).toMatchObject({ path: "/data/mode", desired: "declared", live: "manual" });
    expect(record.source).toMatchObject({ type: "confighub", space, unit: "settings", revision: 1 });

    const release = await fetch(`${hub.url}/api/space/${hub.unit(space, "settings").SpaceID}/release`, {
      method: "POST",
      headers: { authorization: `Bearer ${hub.token}`, "content-type": "application/json" },
      body: "{}",
    });
    expect(release.status).toBe(200);
    await until("resolved by the release", () => !service.trackers[0].openRecord(key));
    expect(lines.some((l) => l.level === "error")).toBe(false);
    // Which ConfigHub answered is said in the service's log, once, naming where the token came from.
    expect(lines.filter((l) => l.msg === `ConfigHub v0.5.5 at ${hub.url} (token from CUB_TOKEN)`)).toHaveLength(1);
    expect(hub.problems).toEqual([]);
    // Every call named the stand-in's token, and only ConfigHub's operations were used.
    expect(hub.requests.every((r) => r.authorization === `Bearer ${hub.token}`)).toBe(true);
  }, 120_000);

  it("accepts a live value into ConfigHub as new unit data, guarded by If-Match", async () => {
    const key = objectKey({ apiVersion: "v1", kind: "ConfigMap", namespace: ns.name, name: "settings" });
    kubectlIn(ns.name, "patch", "configmap", "settings", "--type=merge", "-p", '{"data":{"mode":"auto"}}');
    const record = await until("drift against revision 2", () => service.trackers[0].openRecord(key));
    const head = hub.unit(space, "settings").HeadRevisionNum as number;
    const dataHash = hub.unit(space, "settings").DataHash;
    const res = await fetch(`${service.address}/api/drifts/${record.id}/actions`, {
      method: "POST",
      headers: { authorization: `Bearer ${API_TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify({ action: "accept", dryRun: false }),
    });
    expect(res.status).toBe(200);
    expect(hub.data(space, "settings")).toContain("mode: auto");
    expect(hub.unit(space, "settings").HeadRevisionNum).toBe(head + 1);
    const put = hub.requests.filter((r) => r.method === "PUT" && r.path.endsWith("/data")).at(-1);
    // The actor is the token's identity, never a name the client gives.
    expect(put?.query.get("last_change_description")).toMatch(/accepted by api-token/);
    expect(put?.ifMatch).toBe(`"${dataHash}"`);
    expect(hub.problems).toEqual([]);
  }, 120_000);
});

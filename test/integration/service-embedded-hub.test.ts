// `run --source hub:SPACE` with no HUB_URL: the embedded hub is served from the service's own store (its data dir),
// the one the `hub` commands wrote with `--data` — not from ./data, and without opening the store twice.
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Hub } from "../../src/hub/hub.js";
import { objectKey } from "../../src/kube/liveview.js";
import type { RunningService } from "../../src/service/service.js";
import { openStore } from "../../src/store/open.js";
import {
  createTestNamespace,
  kubectlIn,
  kubectlWithInput,
  loadKubeConfig,
  type TestNamespace,
} from "../helpers/kube.js";
import { modeConfigMap } from "../helpers/manifests.js";
import { startReadyService, testRunSettings, until } from "../helpers/service-run.js";

const space = `emb-${randomBytes(3).toString("hex")}`;

describe("the service with a hub: source in its own store", () => {
  let ns: TestNamespace;
  let service: RunningService;
  const dir = mkdtempSync(join(tmpdir(), "svc-embedded-"));

  beforeAll(async () => {
    ns = await createTestNamespace(loadKubeConfig(), "embhub");
    const db = await openStore({ databaseUrl: "", dataDir: join(dir, "data") });
    const hub = new Hub(db);
    await hub.createSpace({ Slug: space });
    await hub.createUnit(space, { Slug: "settings", Data: modeConfigMap(ns.name, "settings", "declared") });
    await db.close();
    kubectlWithInput(["apply", "--server-side", "-f", "-"], modeConfigMap(ns.name, "settings", "declared"));
    service = await startReadyService({
      settings: testRunSettings({ source: `hub:${space}`, dataDir: join(dir, "data"), analysis: "off" }),
      env: { DRIFT_REVISION: "head" },
    });
  }, 120_000);

  afterAll(async () => {
    await service?.stop();
    await ns?.delete();
    rmSync(dir, { recursive: true, force: true });
  });

  it("reads the units the hub commands wrote there, and detects against them", async () => {
    const key = objectKey({ apiVersion: "v1", kind: "ConfigMap", namespace: ns.name, name: "settings" });
    expect(service.trackers[0].openRecord(key)).toBeUndefined();
    kubectlIn(ns.name, "patch", "configmap", "settings", "--type=merge", "-p", '{"data":{"mode":"manual"}}');
    const record = await until("drift against the unit", () => service.trackers[0].openRecord(key));
    expect(record.source).toMatchObject({ type: "hub", space, unit: "settings" });
    expect(existsSync(join(process.cwd(), "data", "drift-detector.lock"))).toBe(false);
  }, 120_000);
});

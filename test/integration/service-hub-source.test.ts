// The hub as the service's source over real HTTP (the embedded hub's server, as `hub serve` runs it), taken away
// and brought back: the last known desired state stays in force (detection goes on against it), a warning and
// drift_detector_source_available 0 say so, and once the hub answers again its changes are picked up.
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningHub, startHubServer } from "../../src/hub/http/serve.js";
import { Hub } from "../../src/hub/hub.js";
import { objectKey } from "../../src/kube/liveview.js";
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
import { openTestStore, type TestStore } from "../helpers/stores.js";

const token = `hub-${randomBytes(12).toString("hex")}`;
const space = `src-${randomBytes(3).toString("hex")}`;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

describe("hub source unreachable", () => {
  let ns: TestNamespace;
  let store: TestStore;
  let hubServer: RunningHub | undefined;
  let service: RunningService;
  let listen: string;
  const serviceDir = mkdtempSync(join(tmpdir(), "svc-hubsrc-"));
  const lines: LogLine[] = [];
  const kubectl = (...args: string[]) => kubectlIn(ns.name, ...args);
  const doc = (mode: string) => modeConfigMap(ns.name, "settings", mode);
  const sourceGauge = async () =>
    /drift_detector_source_available\{cluster="[^"]+"\} (\d)/.exec(
      (await httpGet(service.address, "/metrics")).text,
    )?.[1];

  beforeAll(async () => {
    ns = await createTestNamespace(loadKubeConfig(), "hubsrc");
    store = await openTestStore("pglite");
    const hub = new Hub(store.db);
    await hub.createSpace({ Slug: space });
    await hub.createUnit(space, { Slug: "settings", Data: doc("declared") });
    kubectlWithInput(["apply", "--server-side", "-f", "-"], doc("declared"));
    listen = `127.0.0.1:${await freePort()}`;
    hubServer = await startHubServer({ db: store.db, listen, token });
    service = await startReadyService({
      settings: testRunSettings({
        source: `hub:${space}`,
        dataDir: join(serviceDir, "data"),
        analysis: "off",
        sourcePoll: "500ms",
      }),
      env: { HUB_URL: hubServer.url, HUB_TOKEN: token, DRIFT_REVISION: "head" },
      log: logSink(lines),
    });
  });

  afterAll(async () => {
    await service?.stop();
    await hubServer?.close();
    await store?.cleanup();
    await ns?.delete();
    rmSync(serviceDir, { recursive: true, force: true });
  });

  it("keeps the last known desired state, warns, sets the metric to 0, and recovers", async () => {
    const key = objectKey({ apiVersion: "v1", kind: "ConfigMap", namespace: ns.name, name: "settings" });
    expect(await sourceGauge()).toBe("1");
    await hubServer?.close();
    hubServer = undefined;

    await until("the warning", () =>
      lines.some(
        (l) => l.level === "warn" && l.msg === "desired-state source unavailable; keeping the last known desired state",
      ),
    );
    expect(await sourceGauge()).toBe("0");
    // Detection goes on against the last known desired state.
    kubectl("patch", "configmap", "settings", "--type=merge", "-p", '{"data":{"mode":"manual"}}');
    const record = await until("drift while the hub is away", () => service.trackers[0].openRecord(key));
    expect(record.changes[0]).toMatchObject({ path: "/data/mode", desired: "declared", live: "manual" });

    // The hub comes back (same address) with a new revision of the unit: the service takes it up.
    await new Hub(store.db).putUnitData(space, "settings", doc("manual"));
    hubServer = await startHubServer({ db: store.db, listen, token });
    await until("source available again", async () => (await sourceGauge()) === "1");
    expect(lines.some((l) => l.msg === "desired-state source available again")).toBe(true);
    await until("the drift resolved by the new desired state", () => !service.trackers[0].openRecord(key));
  }, 120_000);
});

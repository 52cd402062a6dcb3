// Stopping the live view while it is still starting (a SIGTERM right after start-up) leaves nothing running: no watch
// opened after a list that was in flight, no informer started after a discovery request that was in flight.
import pino from "pino";
import { afterAll, describe, expect, inject, it } from "vitest";
import { loadCluster } from "../../src/kube/cluster.js";
import { Discovery } from "../../src/kube/discovery.js";
import { Informer } from "../../src/kube/informer.js";
import { LiveView } from "../../src/kube/liveview.js";

const cluster = loadCluster({ kubeconfig: inject("kubeconfig") });
const logger = pino({ level: "silent" });
// Long server-side watch timeouts: a watch that escaped the stop would hold it this long, past the test's timeout.
const watchTimeoutSeconds = 600;

afterAll(() => cluster.client.close());

describe("stopping the live view during start-up", () => {
  it("an informer stopped while its first list is in flight opens no watch", async () => {
    const info = await new Discovery(cluster.client).resolve("v1", "ConfigMap");
    const informer = new Informer({
      client: cluster.client,
      info,
      namespace: "default",
      logger,
      onChange: () => undefined,
      watchTimeoutSeconds,
    });
    informer.start();
    await informer.stop();
    expect(informer.stats.lists).toBe(1);
    expect(informer.stats.watches).toBe(0);
  }, 30_000);

  it("a live view stopped while discovery is in flight starts no informer", async () => {
    const view = new LiveView({
      client: cluster.client,
      discovery: new Discovery(cluster.client),
      logger,
      onChange: () => undefined,
      watchTimeoutSeconds,
    });
    const ref = { apiVersion: "v1", kind: "ConfigMap", namespace: "default", name: "x" };
    const setting = view.setDesired([
      { ref, object: { ...ref, metadata: { name: "x" } }, source: { type: "file", path: "x.yaml" } },
    ]);
    await view.stop();
    await setting;
    expect(view.stats().informers).toBe(0);
  }, 30_000);
});

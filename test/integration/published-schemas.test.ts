// The schemas the API server publishes for built-in kinds: read once per server version (hashed document URLs),
// shared by later detections; custom resources are left to their CRDs.
import { expect, inject, it } from "vitest";
import { loadCluster } from "../../src/kube/cluster.js";
import { Discovery } from "../../src/kube/discovery.js";
import { PublishedSchemas } from "../../src/kube/openapi-schemas.js";

it("published schemas: defaults and list keys of built-in kinds, each document read once", async () => {
  const cluster = loadCluster({ kubeconfig: inject("kubeconfig") });
  try {
    const discovery = new Discovery(cluster.client);
    const service = await discovery.resolve("v1", "Service");
    const first = new PublishedSchemas(cluster.client);
    const schema = await first.schemaFor(service);
    const port = schema?.properties?.spec?.properties?.ports;
    expect(port?.["x-kubernetes-list-map-keys"]).toEqual(["port", "protocol"]);
    expect(port?.items?.properties?.protocol?.default).toBe("TCP");
    expect(await first.schemaFor(await discovery.resolve("v1", "ConfigMap"))).toBeDefined();
    expect(first.stats.fetches).toBe(2); // the index and the core/v1 document

    const second = new PublishedSchemas(cluster.client);
    expect(await second.schemaFor(service)).toBe(schema);
    expect(second.stats.fetches).toBe(1); // the index only: same server version, same document
  } finally {
    await cluster.client.close();
  }
});

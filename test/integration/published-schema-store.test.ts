// Published kind schemas kept on disk between processes (`check`): a later process reads the kind's schema from
// the store and asks the server only for the index, whose hashed URLs say whether the store still applies.
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, expect, inject, it, vi } from "vitest";
import { loadCluster } from "../../src/kube/cluster.js";
import { Discovery } from "../../src/kube/discovery.js";
import { schemaStore } from "../../src/kube/openapi-schema-store.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "schema-store-"));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

// A fresh module: its process-wide memory of documents and kinds is empty, as in a new process.
async function freshPublishedSchemas() {
  vi.resetModules();
  return (await import("../../src/kube/openapi-schemas.js")).PublishedSchemas;
}

it("a later process reads the kind's schema from the store, asking the server for the index alone", async () => {
  const cluster = loadCluster({ kubeconfig: inject("kubeconfig") });
  try {
    const service = await new Discovery(cluster.client).resolve("v1", "Service");
    const first = new (await freshPublishedSchemas())(cluster.client, schemaStore(dir));
    const schema = await first.schemaFor(service);
    await first.flush();
    expect(first.stats.fetches).toBe(2); // the index and the core/v1 document
    const [file] = await readdir(dir);
    expect(file).toMatch(/^[0-9a-f]{32}\.json$/);
    expect((await stat(join(dir, file!))).mode & 0o777).toBe(0o600);
    expect((await stat(dir)).mode & 0o777).toBe(0o700);

    const second = new (await freshPublishedSchemas())(cluster.client, schemaStore(dir));
    expect(await second.schemaFor(service)).toEqual(schema);
    expect(second.stats.fetches).toBe(1);

    // A file that is not this kind's (another key, an old format, not JSON) is a miss: the document is read again.
    for (const content of [
      JSON.stringify({ ...JSON.parse(await readFile(join(dir, file!), "utf8")), key: "other#Service" }),
      JSON.stringify({ ...JSON.parse(await readFile(join(dir, file!), "utf8")), format: 0 }),
      "{",
    ]) {
      await writeFile(join(dir, file!), content);
      const again = new (await freshPublishedSchemas())(cluster.client, schemaStore(dir));
      expect(await again.schemaFor(service)).toEqual(schema);
      expect(again.stats.fetches).toBe(2);
      await again.flush();
    }
  } finally {
    await cluster.client.close();
  }
});

it("an unwritable store costs speed only", async () => {
  const cluster = loadCluster({ kubeconfig: inject("kubeconfig") });
  try {
    const configMap = await new Discovery(cluster.client).resolve("v1", "ConfigMap");
    await writeFile(join(dir, "file"), "");
    const schemas = new (await freshPublishedSchemas())(cluster.client, schemaStore(join(dir, "file", "openapi")));
    expect(await schemas.schemaFor(configMap)).toBeDefined();
    await expect(schemas.flush()).resolves.toBeUndefined();
  } finally {
    await cluster.client.close();
  }
});

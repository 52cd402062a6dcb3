// Closing a hub source frees what it holds: the embedded hub's store (PGlite under the data dir), or the HTTP client
// of a hub reached over HTTP (requests under way end, later ones are refused). Closing twice is harmless.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openHubSource } from "../../src/desired/hub-open.js";
import { SourceUnavailableError } from "../../src/desired/source.js";
import { ConfigHubClient } from "../../src/hub/confighub/client.js";
import { openEmbeddedHub } from "../../src/hub/connect.js";
import { type RunningHub, startHubServer } from "../../src/hub/http/serve.js";
import { globalAppData } from "../helpers/global-app.js";
import { openTestStore, type TestStore } from "../helpers/stores.js";

describe("hub source close", () => {
  let dataDir: string;
  let store: TestStore;
  let server: RunningHub;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), "hubsrc-close-"));
    const embedded = await openEmbeddedHub({ dataDir, databaseUrl: "" });
    await embedded.createSpace({ Slug: "app-qa" });
    await embedded.createUnit("app-qa", { Slug: "backend", Data: globalAppData("backend") });
    await embedded.close();

    store = await openTestStore("postgres"); // the HTTP side: one PGlite (the embedded case) is enough per test
    server = await startHubServer({ db: store.db, listen: "127.0.0.1:0", token: "close-test" });
    const writer = new ConfigHubClient({ url: server.url, token: server.token });
    await writer.createSpace({ Slug: "app-qa" });
    await writer.createUnit("app-qa", { Slug: "backend", Data: globalAppData("backend") });
  });

  afterAll(async () => {
    await server?.close();
    await store?.cleanup();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("embedded hub: close releases the store; the source refuses to load afterwards", async () => {
    const env = { DRIFT_DATA_DIR: dataDir, DATABASE_URL: "" };
    const source = await openHubSource("app-qa", { env });
    expect((await source.load()).objects.length).toBeGreaterThan(0);
    await source.close?.();
    await source.close?.(); // idempotent
    await expect(source.load()).rejects.toThrow(SourceUnavailableError);
    await expect(source.load()).rejects.toThrow(/hub:app-qa: the source is closed/);
    // The data dir is free again: a new source opens and reads the same store.
    const again = await openHubSource("app-qa", { env });
    try {
      expect((await again.load()).objects.length).toBeGreaterThan(0);
    } finally {
      await again.close?.();
    }
  });

  it("over HTTP: close ends a load under way and refuses later ones", async () => {
    const env = { HUB_URL: server.url, HUB_TOKEN: server.token };
    const source = await openHubSource("app-qa", { env });
    expect((await source.load()).objects.length).toBeGreaterThan(0);
    const underWay = source.load();
    await source.close?.();
    await expect(underWay).rejects.toThrow(SourceUnavailableError);
    await expect(underWay).rejects.toThrow(/client closed/);
    await expect(source.load()).rejects.toThrow(/the source is closed/);
  });
});

// The per-install key of Secret value hashes, on real stores: made once and kept (replicas sharing a PostgreSQL
// database read the same key, a restart keeps it), different per installation, overridden by the setting.
import { afterAll, describe, expect, it } from "vitest";
import { installHashKey } from "../../src/service/hash-key.js";
import { openStore } from "../../src/store/open.js";
import { openTestStore, STORE_KINDS, type TestStore } from "../helpers/stores.js";

const opened: TestStore[] = [];
afterAll(async () => {
  for (const s of opened) await s.cleanup();
});

describe.each(STORE_KINDS)("installHashKey on %s", (kind) => {
  it("is made on first start, kept across reopening, and differs per installation", async () => {
    const a = await openTestStore(kind);
    const b = await openTestStore(kind);
    opened.push(a, b);
    const key = await installHashKey(a.db, undefined);
    expect(key).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(key).not.toBe("drift-detector/secret-hash/v1");
    expect(await installHashKey(a.db, undefined)).toBe(key);
    if (kind === "postgres") {
      const replica = await openStore({ databaseUrl: a.location.databaseUrl! });
      expect(await installHashKey(replica, undefined)).toBe(key);
      await replica.close();
    }
    expect(await installHashKey(b.db, undefined)).not.toBe(key);
    expect(await installHashKey(a.db, "k".repeat(32))).toBe("k".repeat(32));
  });
});

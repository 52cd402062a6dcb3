import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { StoreUnavailableError } from "../../src/store/database.js";
import { loadMigrations, migrate } from "../../src/store/migrate.js";
import { openStore } from "../../src/store/open.js";
import { createTestDatabase, openTestStore, STORE_KINDS, type TestStore } from "../helpers/stores.js";

describe.each(STORE_KINDS)("store on %s", (kind) => {
  // One store per kind for the file: opening PGlite (initdb in WebAssembly) is the slow part.
  let store: TestStore;
  beforeAll(async () => {
    store = await openTestStore(kind);
  });
  afterAll(async () => store?.cleanup());

  it("applies every shipped migration once and records it", async () => {
    const shipped = await loadMigrations();
    expect(shipped.length).toBeGreaterThan(0);
    const rows = await store.db.query<{ version: number }>("select version from schema_migrations order by version");
    expect(rows.map((r) => r.version)).toEqual(shipped.map((m) => m.version));
    expect(await migrate(store.db)).toEqual([]);
  });

  it("applies a new migration at the next open and keeps the data", async () => {
    const extra = [...(await loadMigrations()), { version: 9999, name: "extra", sql: "create table t_extra (x int);" }];
    expect(await migrate(store.db, extra)).toEqual([9999]);
    await store.db.query("insert into t_extra values ($1)", [42]);
    expect(await store.db.query("select x from t_extra")).toEqual([{ x: 42 }]);
  });

  it("rolls a failed transaction back entirely", async () => {
    await store.db.exec("create table t_tx (x int primary key)");
    await expect(
      store.db.transaction(async (tx) => {
        await tx.query("insert into t_tx values (1)");
        await tx.query("insert into t_tx values (1)"); // duplicate key
      }),
    ).rejects.toMatchObject({ code: "23505" });
    expect(await store.db.query("select * from t_tx")).toEqual([]);
    await store.db.transaction((tx) => tx.query("insert into t_tx values (2)"));
    expect(await store.db.query("select x from t_tx")).toEqual([{ x: 2 }]);
  });

  it("a failing migration leaves no trace and stops the open", async () => {
    const bad = [
      ...(await loadMigrations()),
      { version: 9998, name: "bad", sql: "create table t_bad (x int); nonsense;" },
    ];
    await expect(migrate(store.db, bad)).rejects.toThrow();
    expect(await store.db.query("select * from schema_migrations where version = 9998")).toEqual([]);
    expect(await store.db.query("select * from pg_tables where tablename = 't_bad'")).toEqual([]);
  });
});

describe("store specifics", () => {
  it("two processes opening one PostgreSQL database at once migrate it exactly once", async () => {
    const databaseUrl = await createTestDatabase();
    const [a, b, c] = await Promise.all([1, 2, 3].map(() => openStore({ databaseUrl })));
    const rows = await a.query<{ n: number }>("select count(*)::int as n from schema_migrations");
    expect(rows[0].n).toBe((await loadMigrations()).length);
    await Promise.all([a.close(), b.close(), c.close()]);
  });

  it("refuses a second open of one embedded data dir and reopens it after close", { timeout: 300_000 }, async () => {
    const store = await openTestStore("pglite");
    await expect(openStore({ ...store.location, databaseUrl: "" })).rejects.toBeInstanceOf(StoreUnavailableError);
    await store.db.exec("create table t_keep (x int); insert into t_keep values (7);");
    await store.db.close();
    const again = await openStore({ ...store.location, databaseUrl: "" });
    expect(await again.query("select x from t_keep")).toEqual([{ x: 7 }]);
    await again.close();
    await store.cleanup();
  });

  it("names the problem when PostgreSQL cannot be reached", async () => {
    await expect(openStore({ databaseUrl: "postgres://nobody@127.0.0.1:1/x" })).rejects.toThrow(
      /cannot connect to PostgreSQL \(DATABASE_URL\)/,
    );
  });
});

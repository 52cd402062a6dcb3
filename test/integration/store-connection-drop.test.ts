// A PostgreSQL connection that drops while the store holds it (a server restart, a failover, an administrator
// terminating it) fails that one operation; the process does not crash and the next operation gets a new connection.
import { afterAll, describe, expect, it } from "vitest";
import type { PostgresDatabase } from "../../src/store/postgres.js";
import { openTestStore, type TestStore } from "../helpers/stores.js";

let store: TestStore | undefined;
afterAll(() => store?.cleanup());

describe("PostgreSQL store when a connection drops", () => {
  it("fails the operation on that connection, and the store goes on with a new one", async () => {
    store = await openTestStore("postgres");
    const db = store.db as PostgresDatabase;
    // The server ends this very connection mid-use: pg then emits 'error' on the checked-out client, which without a
    // listener would be an uncaught exception (vitest fails the run on one).
    const dropped = db.withConnection((conn) => conn.query("select pg_terminate_backend(pg_backend_pid())"));
    await expect(dropped).rejects.toThrow(/terminat/i);
    const inTransaction = db.transaction((tx) => tx.query("select pg_terminate_backend(pg_backend_pid())"));
    await expect(inTransaction).rejects.toThrow(/terminat/i);
    await new Promise((r) => setTimeout(r, 200)); // the connection's 'end' comes after the failed query
    expect(await db.query<{ ok: number }>("select 1 as ok")).toEqual([{ ok: 1 }]);
  });
});

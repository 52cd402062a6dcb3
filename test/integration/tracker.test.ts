// The tracker on both real stores: the record lifecycle, exactly-once announcements when two processes (an old and
// a new leader) share a store, reload after restart, and carrying on in memory while PostgreSQL refuses connections.
import pg from "pg";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { RecordStore } from "../../src/detector/record-store.js";
import { Tracker } from "../../src/detector/tracker.js";
import type { ResourceResult } from "../../src/drift/types.js";
import { openStore } from "../../src/store/open.js";
import { openTestStore, STORE_KINDS, type TestStore } from "../helpers/stores.js";

const logger = pino({ level: "silent" });
const KEY = "apps/v1|Deployment|qa|web";

function result(status: ResourceResult["status"], replicas?: number): ResourceResult {
  return {
    ref: { apiVersion: "apps/v1", kind: "Deployment", namespace: "qa", name: "web" },
    source: { type: "file", path: "app.yaml" },
    status,
    severity: status === "InSync" ? null : "medium",
    changes:
      replicas === undefined
        ? []
        : [
            {
              path: "/spec/replicas",
              field: "spec.replicas",
              type: "changed",
              desired: 2,
              live: replicas,
              masked: false,
              severity: "medium",
              by: { manager: "kubectl", operation: "Update", subresource: "scale", time: null },
            },
          ],
    ignored: [],
  };
}

const stores: TestStore[] = [];
afterEach(async () => {
  for (const s of stores.splice(0)) await s.cleanup();
});

describe.each(STORE_KINDS)("tracker on %s", (kind) => {
  it("opens, updates on different changes only, resolves, and keeps the history", async () => {
    const store = await openTestStore(kind);
    stores.push(store);
    const tracker = new Tracker({ cluster: "c1", store: new RecordStore(store.db), logger });
    await tracker.load();
    expect((await tracker.record(KEY, result("Drifted", 5)))?.event).toBe("opened");
    expect(await tracker.record(KEY, result("Drifted", 5))).toBeUndefined();
    expect((await tracker.record(KEY, result("Drifted", 7)))?.event).toBe("updated");
    expect(await tracker.record(KEY, result("Error"))).toBeUndefined();
    const resolved = await tracker.record(KEY, result("InSync"));
    expect(resolved?.event).toBe("resolved");
    const stored = await new RecordStore(store.db).get(resolved?.record.id as string);
    expect(stored?.status).toBe("resolved");
    expect(stored?.history.map((h) => h.event)).toEqual(["opened", "updated", "resolved"]);
    expect((await new RecordStore(store.db).list({ status: "open" })).items).toHaveLength(0);
    expect((await new RecordStore(store.db).list({ status: "all" })).items).toHaveLength(1);
  });

  it("never announces the same drift twice across restarts and leader changes", async () => {
    const store = await openTestStore(kind);
    stores.push(store);
    const records = new RecordStore(store.db);
    const oldLeader = new Tracker({ cluster: "c1", store: records, logger });
    await oldLeader.load();
    expect((await oldLeader.record(KEY, result("Drifted", 5)))?.event).toBe("opened");
    // A new leader that loaded before the old one opened the record: the store's unique open record decides.
    const racing = new Tracker({ cluster: "c1", store: records, logger });
    expect(await racing.record(KEY, result("Drifted", 5))).toBeUndefined();
    // A restarted process loads the open record and stays silent about it.
    const restarted = new Tracker({ cluster: "c1", store: records, logger });
    await restarted.load();
    expect(restarted.openRecords).toHaveLength(1);
    expect(await restarted.record(KEY, result("Drifted", 5))).toBeUndefined();
    // Both see it resolved; only one announces.
    const a = await restarted.record(KEY, result("InSync"));
    const b = await oldLeader.record(KEY, result("InSync"));
    expect([a?.event, b?.event].filter(Boolean)).toEqual(["resolved"]);
    // Another cluster's record of the same key is its own.
    const other = new Tracker({ cluster: "c2", store: records, logger });
    expect((await other.record(KEY, result("Drifted", 5)))?.event).toBe("opened");
  });
});

describe("tracker with the store unavailable", () => {
  it("continues in memory and writes the records once PostgreSQL is back", async () => {
    const store = await openTestStore("postgres");
    stores.push(store);
    const url = store.location.databaseUrl as string;
    const dbName = new URL(url).pathname.slice(1);
    const adminUrl = new URL(url);
    adminUrl.pathname = "/postgres";
    const admin = new pg.Client({ connectionString: adminUrl.toString() });
    await admin.connect();
    const records = new RecordStore(store.db);
    const availability: boolean[] = [];
    const tracker = new Tracker({
      cluster: "c1",
      store: records,
      logger,
      onStoreAvailability: (ok) => availability.push(ok),
    });
    await tracker.load();
    try {
      await admin.query(`alter database ${dbName} allow_connections false`);
      await admin.query("select pg_terminate_backend(pid) from pg_stat_activity where datname = $1", [dbName]);
      const opened = await tracker.record(KEY, result("Drifted", 5));
      expect(opened?.event).toBe("opened");
      expect(tracker.pendingWrites).toBe(1);
      expect(availability).toEqual([false]);
      await tracker.flush();
      expect(tracker.pendingWrites).toBe(1);
    } finally {
      await admin.query(`alter database ${dbName} allow_connections true`);
      await admin.end();
    }
    for (let i = 0; i < 20 && tracker.pendingWrites > 0; i++) {
      await tracker.flush();
      if (tracker.pendingWrites > 0) await new Promise((r) => setTimeout(r, 250));
    }
    expect(tracker.pendingWrites).toBe(0);
    expect(availability.at(-1)).toBe(true);
    const reopened = await openStore({ databaseUrl: url });
    try {
      const open = await new RecordStore(reopened).loadOpen("c1");
      expect(open.map((r) => r.fingerprint)).toEqual([tracker.openRecords[0].fingerprint]);
    } finally {
      await reopened.close();
    }
  });
});

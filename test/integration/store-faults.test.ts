// The store's faults at the tracker, on both real stores: values PostgreSQL cannot hold as they are (NUL) and big
// values stored and read back exactly; a record the store refuses (a real trigger raising an error) is reported and
// retried on its own while every other record is written.
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { RecordStore } from "../../src/detector/record-store.js";
import { Tracker, type WriteFailure } from "../../src/detector/tracker.js";
import type { ResourceResult } from "../../src/drift/types.js";
import { type LogLine, logSink } from "../helpers/service-run.js";
import { openTestStore, STORE_KINDS, type TestStore } from "../helpers/stores.js";

const keyOf = (name: string) => `v1|ConfigMap|qa|${name}`;

function drifted(name: string, live: string): ResourceResult {
  return {
    ref: { apiVersion: "v1", kind: "ConfigMap", namespace: "qa", name },
    source: { type: "file", path: "objects.yaml" },
    status: "Drifted",
    severity: "medium",
    changes: [
      {
        path: "/data/mode",
        field: "data.mode",
        type: "changed",
        desired: "declared",
        live,
        masked: false,
        severity: "medium",
        by: { manager: "kubectl\u0000patch", operation: "Update", subresource: "", time: null },
      },
    ],
    ignored: [],
  };
}

const stores: TestStore[] = [];
afterEach(async () => {
  for (const s of stores.splice(0)) await s.cleanup();
});

async function setup(kind: (typeof STORE_KINDS)[number]) {
  const store = await openTestStore(kind);
  stores.push(store);
  const lines: LogLine[] = [];
  const failures: WriteFailure[] = [];
  const records = new RecordStore(store.db);
  const tracker = new Tracker({
    cluster: "c1",
    store: records,
    logger: pino({ level: "info" }, logSink(lines)),
    onWriteFailure: (reason) => failures.push(reason),
  });
  await tracker.load();
  return { store, records, tracker, lines, failures };
}

/** A trigger of the test's own: the store refuses any drift record whose object key matches `pattern`. */
async function refuseKeys(store: TestStore, pattern: string): Promise<void> {
  await store.db.exec(`
    create or replace function refuse_record() returns trigger language plpgsql as $$
    begin
      if new.object_key like '${pattern}' then raise exception 'refused by the test: %', new.object_key; end if;
      return new;
    end $$;
    drop trigger if exists refuse_record on drift_record;
    create trigger refuse_record before insert or update on drift_record for each row execute function refuse_record();`);
}

describe.each(STORE_KINDS)("store faults on %s", (kind) => {
  it("stores NUL, the escape character and a 1 MB value, and reads them back exactly", async () => {
    const { records, tracker, failures } = await setup(kind);
    const values = {
      nul: "a\u0000b\u0000",
      escape: "\uE000 and \uE0000 and \\u0000 (text)",
      big: "x".repeat(1024 * 1024),
    };
    for (const [name, live] of Object.entries(values)) {
      expect((await tracker.record(keyOf(name), drifted(name, live)))?.event).toBe("opened");
    }
    expect(tracker.pendingWrites).toBe(0);
    expect(failures).toEqual([]);
    for (const [name, live] of Object.entries(values)) {
      const mine = tracker.openRecord(keyOf(name));
      const stored = await records.get(mine?.id as string);
      expect(stored).toEqual(mine);
      expect(stored?.changes[0].live).toBe(live);
    }
    // A fresh load (a restart, a new leader) sees the same records.
    expect((await records.loadOpen("c1")).map((r) => r.changes[0].live).sort()).toEqual(Object.values(values).sort());
  });

  it("reports a refused record and writes the others, at once and when retrying", async () => {
    const { store, records, tracker, lines, failures } = await setup(kind);
    await refuseKeys(store, "%|bad");
    for (const name of ["one", "bad", "two"]) {
      expect((await tracker.record(keyOf(name), drifted(name, "manual")))?.event).toBe("opened");
    }
    expect(failures).toEqual(["refused"]);
    expect(tracker.pendingWrites).toBe(1);
    expect((await records.loadOpen("c1")).map((r) => r.ref.name).sort()).toEqual(["one", "two"]);
    const report = lines.filter((l) => l.level === 50);
    expect(report).toHaveLength(1);
    expect(report[0]).toMatchObject({ resource: keyOf("bad"), driftId: tracker.openRecord(keyOf("bad"))?.id });
    expect(String(report[0].msg)).toMatch(/^store refused drift record/);

    // Everything refused for a while (three pending), then only one: a retry round writes the other two.
    await refuseKeys(store, "%");
    for (const name of ["one", "bad", "two"]) await tracker.record(keyOf(name), drifted(name, "changed"));
    expect(tracker.pendingWrites).toBe(3);
    await refuseKeys(store, "%|bad");
    await tracker.flush({ force: true });
    expect(tracker.pendingWrites).toBe(1);
    const stored = await records.loadOpen("c1");
    expect(stored.map((r) => [r.ref.name, r.changes[0].live]).sort()).toEqual([
      ["one", "changed"],
      ["two", "changed"],
    ]);

    // Accepted again: the refused record is written at its next retry, nothing was dropped.
    await store.db.exec("drop trigger refuse_record on drift_record");
    await tracker.flush({ force: true });
    expect(tracker.pendingWrites).toBe(0);
    expect((await records.loadOpen("c1")).map((r) => r.ref.name).sort()).toEqual(["bad", "one", "two"]);
  });

  it("says which writes never reached the store when it closes", async () => {
    const { store, tracker, lines } = await setup(kind);
    await refuseKeys(store, "%");
    const ev = await tracker.record(keyOf("lost"), drifted("lost", "manual"));
    await tracker.close();
    const last = lines.at(-1);
    expect(last).toMatchObject({ level: 50, driftIds: [ev?.record.id], resources: [keyOf("lost")] });
    expect(String(last?.msg)).toMatch(/^1 drift record write\(s\) not stored/);
  });
});

// The stored baselines on both real stores: a first detection's worth of entries (more than one insert batch)
// written at once and read back whole, updates and removals after it, and values PostgreSQL cannot hold as is.
import { afterEach, describe, expect, it } from "vitest";
import { StoredBaselines } from "../../src/detector/baseline-store.js";
import { openTestStore, STORE_KINDS, type TestStore } from "../helpers/stores.js";

const stores: TestStore[] = [];
afterEach(async () => {
  for (const s of stores.splice(0)) await s.cleanup();
});

const key = (i: number) => `v1|ConfigMap|ns-${i % 3}|cm-${i}`;

describe.each(STORE_KINDS)("stored baselines on %s", (kind) => {
  it("writes every entry of a large first detection and reads them back unchanged", async () => {
    const store = await openTestStore(kind);
    stores.push(store);
    const first = new StoredBaselines(store.db, "prod");
    const n = 2345;
    for (let i = 0; i < n; i++) {
      const values = i % 2 ? {} : { "spec.replicas": i, "metadata.labels.note": `a\u0000b-${i}` };
      first.set(key(i), { uid: `uid-${i}`, desired: `hash-${i}`, values });
    }
    await first.flush();

    const second = new StoredBaselines(store.db, "prod");
    await second.load();
    for (const i of [0, 1, 999, 1000, 1001, n - 1]) expect(second.get(key(i))).toEqual(first.get(key(i)));
    const other = new StoredBaselines(store.db, "staging");
    await other.load();
    expect(other.get(key(0))).toBeUndefined();

    // One changed, one gone: only they are written.
    second.set(key(5), { uid: "uid-5b", desired: "hash-5", values: { x: 1 } });
    second.retain(new Set(Array.from({ length: n }, (_, i) => key(i)).filter((k) => k !== key(7))));
    await second.flush();
    const third = new StoredBaselines(store.db, "prod");
    await third.load();
    expect(third.get(key(5))).toEqual({ uid: "uid-5b", desired: "hash-5", values: { x: 1 } });
    expect(third.get(key(7))).toBeUndefined();
    expect(third.get(key(n - 1))).toEqual(first.get(key(n - 1)));
    const count = await store.db.query<{ n: number }>(
      "select count(*)::int as n from drift_baseline where cluster = 'prod'",
    );
    expect(count[0]?.n).toBe(n - 1);
  });
});

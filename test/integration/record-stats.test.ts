// The dashboard's history aggregates on both real stores: opened and resolved per bucket by severity, and the mean
// time to resolve by space, from records written as the tracker writes them.
import { randomUUID } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { RecordStats } from "../../src/detector/record-stats.js";
import { RecordStore } from "../../src/detector/record-store.js";
import type { DriftRecord } from "../../src/detector/records.js";
import type { Severity } from "../../src/drift/types.js";
import { openTestStore, STORE_KINDS, type TestStore } from "../helpers/stores.js";

function record(space: string | null, severity: Severity, openedAt: string, resolvedAt: string | null): DriftRecord {
  const name = randomUUID().slice(0, 8);
  return {
    id: randomUUID(),
    cluster: "c1",
    key: `v1|ConfigMap|ns|${name}`,
    ref: { apiVersion: "v1", kind: "ConfigMap", namespace: "ns", name },
    source: space ? { type: "hub", space, unit: "web", revision: 1 } : { type: "file", path: "app.yaml" },
    status: resolvedAt ? "resolved" : "open",
    resourceStatus: "Drifted",
    severity,
    fingerprint: name,
    changes: [],
    ignored: [],
    analysis: null,
    openedAt,
    updatedAt: resolvedAt ?? openedAt,
    resolvedAt,
    history: [],
  };
}

const stores: TestStore[] = [];
afterEach(async () => {
  for (const s of stores.splice(0)) await s.cleanup();
});

describe.each(STORE_KINDS)("record stats on %s", (kind) => {
  it("counts per hour and day by severity, and averages the time to resolve by space", async () => {
    const store = await openTestStore(kind);
    stores.push(store);
    const records = new RecordStore(store.db);
    for (const r of [
      record("shop-qa", "high", "2026-12-01T10:05:00Z", "2026-12-01T10:15:00Z"), // 10 min
      record("shop-qa", "high", "2026-12-01T10:50:00Z", "2026-12-01T11:20:00Z"), // 30 min
      record("shop-prod", "critical", "2026-12-01T11:00:00Z", "2026-12-02T11:00:00Z"), // 1 day
      record(null, "low", "2026-12-02T09:00:00Z", null),
      record("shop-qa", "medium", "2026-11-01T00:00:00Z", "2026-11-01T01:00:00Z"), // before `since`
    ]) {
      await records.open(r);
    }
    const stats = new RecordStats(store.db);
    const since = new Date("2026-12-01T00:00:00Z");
    const hours = await stats.timeline(3600, since);
    const at = (iso: string) => Date.parse(iso) / 1000;
    expect(hours).toEqual([
      { at: at("2026-12-01T10:00:00Z"), severity: "high", opened: 2, resolved: 1 },
      { at: at("2026-12-01T11:00:00Z"), severity: "critical", opened: 1, resolved: 0 },
      { at: at("2026-12-01T11:00:00Z"), severity: "high", opened: 0, resolved: 1 },
      { at: at("2026-12-02T09:00:00Z"), severity: "low", opened: 1, resolved: 0 },
      { at: at("2026-12-02T11:00:00Z"), severity: "critical", opened: 0, resolved: 1 },
    ]);
    const days = await stats.timeline(86400, since);
    expect(days.filter((d) => d.at === at("2026-12-01T00:00:00Z"))).toEqual([
      { at: at("2026-12-01T00:00:00Z"), severity: "critical", opened: 1, resolved: 0 },
      { at: at("2026-12-01T00:00:00Z"), severity: "high", opened: 2, resolved: 2 },
    ]);
    expect(await stats.resolution(since)).toEqual([
      { space: "shop-prod", resolved: 1, meanSeconds: 86400 },
      { space: "shop-qa", resolved: 2, meanSeconds: 1200 },
    ]);
  });
});

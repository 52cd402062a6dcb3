// Retention on both real stores: old resolved records, their analyses and expired snoozes, and old audit entries
// go, in batches; open records and everything they still refer to stay, however old.
import { randomUUID } from "node:crypto";
import { pino } from "pino";
import { Registry } from "prom-client";
import { afterEach, describe, expect, it } from "vitest";
import { StoreAnalysisCache } from "../../src/detector/analysis-cache.js";
import { RecordStore } from "../../src/detector/record-store.js";
import type { DriftRecord } from "../../src/detector/records.js";
import { pruneOnce, startRetention } from "../../src/detector/retention.js";
import { RemediationStore } from "../../src/remediation/store.js";
import { until } from "../helpers/service-run.js";
import { openTestStore, STORE_KINDS, type TestStore } from "../helpers/stores.js";

const DAY = 86_400_000;
const NOW = new Date("2026-06-01T00:00:00Z");
const daysAgo = (n: number) => new Date(NOW.getTime() - n * DAY).toISOString();

function record(name: string, status: DriftRecord["status"], openedDaysAgo: number, resolvedDaysAgo?: number) {
  const opened = daysAgo(openedDaysAgo);
  const resolved = resolvedDaysAgo === undefined ? null : daysAgo(resolvedDaysAgo);
  const rec: DriftRecord = {
    id: randomUUID(),
    cluster: "c1",
    key: `apps/v1|Deployment|qa|${name}`,
    ref: { apiVersion: "apps/v1", kind: "Deployment", namespace: "qa", name },
    source: { type: "file", path: "app.yaml" },
    status,
    resourceStatus: "Drifted",
    severity: "medium",
    fingerprint: `fp-${name}`,
    changes: [],
    ignored: [],
    analysis: null,
    openedAt: opened,
    updatedAt: resolved ?? opened,
    resolvedAt: resolved,
    history: [{ at: opened, event: "opened", fingerprint: `fp-${name}`, severity: "medium", paths: [], by: [] }],
  };
  return rec;
}

const stores: TestStore[] = [];
afterEach(async () => {
  for (const s of stores.splice(0)) await s.cleanup();
});

describe.each(STORE_KINDS)("retention on %s", (kind) => {
  it("deletes what is old and closed, in batches, and keeps every open record and what it refers to", async () => {
    const store = await openTestStore(kind);
    stores.push(store);
    const records = new RecordStore(store.db);
    const remediation = new RemediationStore(store.db);
    const cache = new StoreAnalysisCache(store.db);

    const openOld = record("open-old", "open", 400); // open for more than a year: kept with all it refers to
    const resolvedOld = Array.from({ length: 7 }, (_, i) => record(`gone-${i}`, "resolved", 200, 100));
    const resolvedRecent = record("recent", "resolved", 40, 30);
    for (const r of [openOld, ...resolvedOld, resolvedRecent]) await records.save(r);

    const analysis = { summary: "s", likelyCause: "c", risk: "low", recommendation: "r", provider: "rules" };
    for (const r of [openOld, resolvedOld[0]!, resolvedRecent]) await cache.set(r.fingerprint, analysis as never);
    await store.db.query("update drift_analysis_cache set created_at = $1", [daysAgo(300)]);
    await store.db.query("update drift_analysis_cache set created_at = $1 where fingerprint = $2", [
      daysAgo(10),
      resolvedRecent.fingerprint,
    ]);

    for (const r of [openOld, resolvedOld[0]!]) {
      await remediation.snooze(r.id, new Date(daysAgo(150)), "alice");
    }
    const audit = (recordId: string, ago: number) =>
      remediation.audit({
        at: new Date(daysAgo(ago)),
        actor: "alice",
        action: "revert",
        dryRun: false,
        recordId,
        resource: "Deployment/qa/x",
        cluster: "c1",
        paths: [],
        outcome: "succeeded",
        message: "",
        details: {},
      });
    await audit(openOld.id, 500);
    for (const r of resolvedOld) await audit(r.id, 400);
    await audit(resolvedRecent.id, 30);

    const policy = { historyMs: 90 * DAY, auditMs: 365 * DAY, batchSize: 3 };
    // A shutdown stops a pass between batches.
    const none = { records: 0, analyses: 0, snoozes: 0, audit: 0 };
    expect(await pruneOnce(store.db, policy, NOW, AbortSignal.abort())).toEqual(none);
    const counts = await pruneOnce(store.db, policy, NOW);
    expect(counts).toEqual({ records: 7, analyses: 1, snoozes: 1, audit: 7 });

    const left = await records.list({ status: "all" });
    expect(left.items.map((r) => r.ref.name).sort()).toEqual(["open-old", "recent"]);
    expect((await records.get(openOld.id))?.history).toEqual(openOld.history);
    expect(await cache.get(openOld.fingerprint)).toBeDefined();
    expect(await cache.get(resolvedRecent.fingerprint)).toBeDefined();
    expect(await cache.get(resolvedOld[0]!.fingerprint)).toBeUndefined();
    const snoozed = await store.db.query<{ record_id: string }>("select record_id from remediation_snooze");
    expect(snoozed.map((s) => s.record_id)).toEqual([openOld.id]);
    const audited = await remediation.auditEntries({});
    expect(audited.map((a) => a.recordId).sort()).toEqual([openOld.id, resolvedRecent.id].sort());

    // Nothing more to do: a second pass deletes nothing.
    expect(await pruneOnce(store.db, { historyMs: 90 * DAY, auditMs: 365 * DAY }, NOW)).toEqual(none);
  });

  it("prunes in the background and counts what it deleted", async () => {
    const store = await openTestStore(kind);
    stores.push(store);
    const records = new RecordStore(store.db);
    const old = record("old", "resolved", 400, 400); // relative to 2026-06-01, so old today too
    const open = record("open", "open", 400);
    for (const r of [old, open]) await records.save(r);
    const registry = new Registry();
    const loop = startRetention(
      store.db,
      { historyMs: 90 * DAY, auditMs: 365 * DAY },
      { logger: pino({ level: "silent" }), registry },
      { firstMs: 0 },
    );
    try {
      await until("the old record pruned", async () => (await records.get(old.id)) === undefined);
    } finally {
      await loop.stop();
    }
    expect(await records.get(open.id)).toBeDefined();
    const metric = await registry.getSingleMetricAsString("drift_detector_retention_deleted_total");
    expect(metric).toMatch(/^drift_detector_retention_deleted_total\{table="records"\} 1$/m);
    expect(metric).toMatch(/^drift_detector_retention_deleted_total\{table="audit"\} 0$/m);
  });
});

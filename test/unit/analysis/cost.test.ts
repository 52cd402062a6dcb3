// Fingerprints, the hourly budget and the cache: the pieces that make a repeated drift cost nothing.
import { describe, expect, it } from "vitest";
import { planBatches } from "../../../src/analysis/batch.js";
import { HourlyBudget } from "../../../src/analysis/budget.js";
import { MemoryAnalysisCache } from "../../../src/analysis/cache.js";
import { driftFingerprint } from "../../../src/analysis/fingerprint.js";
import { analyzeWithRules } from "../../../src/analysis/rules/analyzer.js";
import { annotationDrift, kubectl, request, scenarios } from "./fixtures.js";

describe("drift fingerprint", () => {
  const base = scenarios.manualScale;
  it("ignores attribution and change order, not values", () => {
    const fp = driftFingerprint(base);
    expect(fp).toMatch(/^[0-9a-f]{32}$/);
    const otherWriter = { ...base, changes: base.changes.map((c) => ({ ...c, by: kubectl("someone-else") })) };
    expect(driftFingerprint(otherWriter)).toBe(fp);
    const two = { ...base, changes: [...base.changes, ...scenarios.labelAdded.changes] };
    const reversed = { ...two, changes: [...two.changes].reverse() };
    expect(driftFingerprint(reversed)).toBe(driftFingerprint(two));
    const seven = { ...base, changes: [{ ...base.changes[0], live: 7 }] };
    expect(driftFingerprint(seven)).not.toBe(fp);
    const elsewhere = { ...base, ref: { ...base.ref, namespace: "prod" } };
    expect(driftFingerprint(elsewhere)).not.toBe(fp);
  });
});

describe("hourly budget", () => {
  it("is a sliding one-hour window", () => {
    let now = 0;
    const budget = new HourlyBudget(3, () => now);
    expect(budget.take(2)).toBe(2);
    now = 30 * 60_000;
    expect(budget.take(5)).toBe(1);
    expect(budget.take(1)).toBe(0);
    now = 60 * 60_000 + 1; // the first two have left the window
    expect(budget.remaining()).toBe(2);
    expect(budget.take(3)).toBe(2);
  });
});

describe("memory cache", () => {
  it("returns what was stored and forgets the least recently used first", async () => {
    const cache = new MemoryAnalysisCache(2);
    const a = analyzeWithRules(request(scenarios.manualScale));
    await cache.set("a", a);
    await cache.set("b", a);
    await cache.get("a");
    await cache.set("c", a);
    expect(await cache.get("a")).toEqual(a);
    expect(await cache.get("b")).toBeUndefined();
    expect(cache.size).toBe(2);
  });
});

describe("batch plan", () => {
  it("groups by namespace and space and cuts to the batch size", () => {
    const items = ["a", "b", "c"].map((n) => request(annotationDrift(n, n)));
    items.push(request({ ...scenarios.manualScale, ref: { ...scenarios.manualScale.ref, namespace: "prod" } }));
    expect(planBatches(items, 2)).toEqual([[0, 1], [2], [3]]);
    expect(planBatches(items, 10)).toEqual([[0, 1, 2], [3]]);
  });
});

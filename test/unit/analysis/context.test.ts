// The model's context: redacted, bounded by a token budget, given up in the documented order.
import { describe, expect, it } from "vitest";
import { buildItemData, estimateTokens, TRUNCATION_ORDER } from "../../../src/analysis/context.js";
import { driftFingerprint } from "../../../src/analysis/fingerprint.js";
import { createRedactor } from "../../../src/analysis/redact.js";
import type { AnalysisContext } from "../../../src/analysis/types.js";
import { PROD, request, scenarios } from "./fixtures.js";

const redactor = createRedactor();

const rich: AnalysisContext = {
  ...PROD,
  driftId: "d-1",
  unit: { ...PROD.unit!, lastChangeDescription: "Raise replicas for the launch ".repeat(20) },
  history: Array.from({ length: 8 }, (_, i) => ({
    openedAt: `2026-11-0${i + 1}T00:00:00Z`,
    paths: ["/spec/replicas"],
    outcome: "reverted" as const,
    by: "kubectl-scale",
  })),
  decisions: Array.from({ length: 6 }, () => ({ paths: ["/spec/replicas"], action: "revert" as const, by: "alice" })),
  related: [
    {
      relation: "owner",
      ref: { apiVersion: "apps/v1", kind: "ReplicaSet", namespace: "qa", name: "backend-abc" },
      summary: "current ReplicaSet",
      object: { spec: { template: "x".repeat(5000) } },
    },
  ],
};

describe("context builder", () => {
  it("carries the full context when it fits", () => {
    const d = buildItemData(request(scenarios.manualScale, rich), "d1", 100_000, redactor);
    expect(d).toMatchObject({ id: "d1", environment: "prod", driftIdKnown: true, status: "Drifted" });
    expect(d.history).toHaveLength(8);
    expect(d.decisions).toHaveLength(6);
    expect(d.related?.[0].object).toBeDefined();
    expect(d.unit?.space).toBe("acorn-bear-prod");
    expect(d.changes[0].by?.manager).toBe("kubectl-scale");
    expect(d.truncated).toBeUndefined();
  });

  it("gives up context in the stated order and stays within the budget", () => {
    const sizes = [3000, 1500, 600, 300];
    let previous = -1;
    for (const budget of sizes) {
      const d = buildItemData(request(scenarios.manualScale, rich), "d1", budget, redactor);
      const steps = d.truncated ?? [];
      // a prefix of the documented order, longer for smaller budgets
      expect(steps).toEqual(TRUNCATION_ORDER.slice(0, steps.length).map(([name]) => name));
      expect(steps.length).toBeGreaterThanOrEqual(previous);
      previous = steps.length;
      expect(estimateTokens(JSON.stringify(d))).toBeLessThanOrEqual(budget);
      // never given up
      expect(d.resource).toEqual(scenarios.manualScale.ref);
      expect(d.changes[0].path).toBe("/spec/replicas");
      expect(d.environment).toBe("prod");
    }
    const tight = buildItemData(request(scenarios.manualScale, rich), "d1", 600, redactor);
    expect(tight.related?.[0]?.object).toBeUndefined();
  });

  it("keeps the most severe changes when changes must go", () => {
    const many = {
      ...scenarios.manualScale,
      changes: [
        ...Array.from({ length: 30 }, (_, i) => ({
          ...scenarios.labelAdded.changes[0],
          path: `/metadata/labels/l${i}`,
          field: `metadata.labels.l${i}`,
          live: "v".repeat(100),
        })),
        ...scenarios.privilegedAdded.changes,
      ],
    };
    const d = buildItemData({ result: many, fingerprint: driftFingerprint(many) }, "d1", 250, redactor);
    expect(d.changes[0].severity).toBe("critical");
    expect(d.omittedChanges).toBeGreaterThan(0);
    expect(d.changes.length + (d.omittedChanges ?? 0)).toBe(31);
  });
});

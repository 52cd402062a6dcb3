// `check --analyze`: analyses on drifted and missing resources, and the text block.
import { describe, expect, it } from "vitest";
import { attachAnalyses, renderAnalyses } from "../../../src/analysis/attach.js";
import { RulesAnalyzer } from "../../../src/analysis/rules/analyzer.js";
import type { DetectionReport } from "../../../src/drift/types.js";
import { scenarios } from "./fixtures.js";

const inSync = {
  ...scenarios.manualScale,
  ref: { ...scenarios.manualScale.ref, name: "frontend" },
  status: "InSync" as const,
  severity: null,
  changes: [],
};

const report: DetectionReport = {
  apiVersion: "drift-detector/v1",
  mode: "server",
  summary: { resources: 3, inSync: 1, drifted: 1, missing: 1, errors: 0 },
  resources: [inSync, scenarios.imageHotfix, scenarios.deletedObject],
};

describe("attachAnalyses", () => {
  it("adds an analysis to every drifted or missing resource, and nothing else changes", async () => {
    const out = await attachAnalyses(report, new RulesAnalyzer());
    expect(out.resources[0]).toEqual(inSync);
    expect(out.resources[1].analysis?.recommendation.action).toBe("accept");
    expect(out.resources[2].analysis?.risk.level).toBe("critical");
    const { analysis: _a, ...rest } = out.resources[1];
    expect(rest).toEqual(scenarios.imageHotfix);
    expect(out.summary).toEqual(report.summary);
  });

  it("renders a short block per analysed resource", async () => {
    const text = renderAnalyses(await attachAnalyses(report, new RulesAnalyzer()));
    expect(text).toContain("Analysis:");
    expect(text).toContain("Deployment qa/backend\n  ACCEPT (risk high, rules, confidence 0.70)");
    expect(text).toContain("ConfigMap qa/settings\n  REVERT (risk critical, rules");
    expect(text).toContain("  $ drift-detector hub unit apply settings --space acorn-bear-qa");
    expect(text).not.toContain("frontend");
  });
});

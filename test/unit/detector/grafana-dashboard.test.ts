import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { analysisRequestsCounter } from "../../../src/analysis/metrics.js";
import { createMetricsRegistry } from "../../../src/app/metrics.js";
import { DriftMetrics } from "../../../src/detector/metrics.js";

// The dashboard is only useful if its queries name metrics the service exports, and it must chart every metric of
// the contract (CONTRACT.md, "Metrics").
const CONTRACT_METRICS = [
  "drift_detector_resources",
  "drift_detector_drifted_resources",
  "drift_detector_drift_events_total",
  "drift_detector_detection_duration_seconds",
  "drift_detector_last_full_detection_timestamp_seconds",
  "drift_detector_analysis_requests_total",
  "drift_detector_leader",
];

const path = resolve(import.meta.dirname, "../../../deploy/grafana/drift-detector.json");

/** Metric names in the dashboard's queries (histogram series back to their metric). */
async function queriedMetrics(): Promise<Set<string>> {
  const text = await readFile(path, "utf8");
  return new Set(
    [...text.matchAll(/\b(drift_detector|process|nodejs)_[a-z_]+/g)].map((m) =>
      m[0].replace(/_(bucket|sum|count)$/, ""),
    ),
  );
}

describe("deploy/grafana/drift-detector.json", () => {
  it("charts every contract metric", async () => {
    const used = await queriedMetrics();
    for (const name of CONTRACT_METRICS) expect(used, name).toContain(name);
  });

  it("queries only metrics the service registers", async () => {
    const registry = createMetricsRegistry();
    new DriftMetrics(registry);
    analysisRequestsCounter(registry);
    const registered = new Set((await registry.getMetricsAsJSON()).map((m) => m.name));
    for (const name of await queriedMetrics()) expect(registered, name).toContain(name);
  });

  it("is an importable dashboard: unique panel ids, every target with an expression and the datasource variable", async () => {
    const dashboard = JSON.parse(await readFile(path, "utf8"));
    expect(dashboard.uid).toBe("drift-detector");
    const ids = dashboard.panels.map((p: { id: number }) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const panel of dashboard.panels) {
      expect(panel.targets.length).toBeGreaterThan(0);
      for (const target of panel.targets) {
        expect(target.expr).toMatch(/\S/);
        expect(target.datasource.uid).toBe("$" + "{datasource}"); // Grafana's variable syntax, not a template string
      }
    }
  });
});

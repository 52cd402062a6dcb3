import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";

// The dashboard is only useful if its queries name the metrics the service exports (CONTRACT.md, "Metrics").
const CONTRACT_METRICS = [
  "drift_detector_resources",
  "drift_detector_drifted_resources",
  "drift_detector_drift_events_total",
  "drift_detector_detection_duration_seconds",
  "drift_detector_last_full_detection_timestamp_seconds",
  "drift_detector_analysis_requests_total",
  "drift_detector_leader",
];

const path = resolve(import.meta.dirname, "../../deploy/grafana/drift-detector.json");

describe("deploy/grafana/drift-detector.json", () => {
  it("charts every contract metric and names no other drift_detector_ metric", async () => {
    const text = await readFile(path, "utf8");
    const used = new Set([...text.matchAll(/drift_detector_[a-z_]+/g)].map((m) => m[0].replace(/_bucket$/, "")));
    expect([...used].sort()).toEqual([...CONTRACT_METRICS].sort());
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

import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { parser } from "@prometheus-io/lezer-promql";
import { beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { analysisRequestsCounter } from "../../../src/analysis/metrics.js";
import { createMetricsRegistry } from "../../../src/app/metrics.js";
import { DriftMetrics } from "../../../src/detector/metrics.js";

// promtool-style checks of deploy/components/alerts: the rule file is a PrometheusRule whose every expression parses
// as PromQL (Prometheus' own lezer grammar), names only metrics the service exports, and has a runbook section.
const ROOT = resolve(import.meta.dirname, "../../..");

interface Rule {
  alert?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

let rules: Rule[];
let registered: Set<string>;
let runbook: string;

/** Syntax errors and the metric names of the vector selectors of a PromQL expression. */
function promql(expr: string): { errors: string[]; metrics: string[] } {
  const errors: string[] = [];
  const metrics: string[] = [];
  parser.parse(expr).iterate({
    enter(node) {
      if (node.type.isError)
        errors.push(`syntax error at ${node.from}: ${JSON.stringify(expr.slice(node.from, node.from + 20))}`);
      if (node.name === "Identifier" && node.node.parent?.name === "VectorSelector") {
        metrics.push(expr.slice(node.from, node.to).replace(/_(bucket|sum|count)$/, ""));
      }
    },
  });
  return { errors, metrics };
}

beforeAll(async () => {
  const doc = parse(await readFile(resolve(ROOT, "deploy/components/alerts/prometheusrule.yaml"), "utf8"));
  expect(doc.apiVersion).toBe("monitoring.coreos.com/v1");
  expect(doc.kind).toBe("PrometheusRule");
  rules = doc.spec.groups.flatMap((g: { rules: Rule[] }) => g.rules);
  const registry = createMetricsRegistry();
  new DriftMetrics(registry);
  analysisRequestsCounter(registry);
  registered = new Set((await registry.getMetricsAsJSON()).map((m) => m.name));
  runbook = await readFile(resolve(ROOT, "docs/metrics.md"), "utf8");
});

describe("deploy/components/alerts", () => {
  it("the parser finds errors (so that a clean parse means something)", () => {
    expect(promql("sum(rate(x[5m]) >").errors).not.toHaveLength(0);
    expect(promql("max by (job) (x_total) > on() 2").errors).toEqual([]);
  });

  it("has the alerts the detector promises", () => {
    expect(rules.map((r) => r.alert).sort()).toEqual(
      [
        "DriftAnalysisFailing",
        "DriftCritical",
        "DriftDetectorNoLeader",
        "DriftDetectorNotReady",
        "DriftDetectorSourceUnavailable",
        "DriftDetectorStoreUnavailable",
        "DriftDetectorWatchesUnhealthy",
        "DriftHighOpen",
        "DriftLoop",
        "DriftLowOpen",
        "DriftMediumOpen",
        "DriftNotificationsFailing",
        "DriftVerdictsStale",
      ].sort(),
    );
  });

  it("every expression parses and names only metrics the service exports", () => {
    for (const rule of rules) {
      const { errors, metrics } = promql(rule.expr);
      expect(errors, rule.alert).toEqual([]);
      expect(metrics.length, rule.alert).toBeGreaterThan(0);
      for (const name of metrics) expect(registered, `${rule.alert}: ${name}`).toContain(name);
    }
  });

  it("debounces drift by severity, but pages critical drift at once", () => {
    const byName = new Map(rules.map((r) => [r.alert, r]));
    expect(byName.get("DriftCritical")?.for).toBeUndefined();
    expect(byName.get("DriftCritical")?.expr).toContain('severity="critical"');
    for (const [name, severity] of [
      ["DriftHighOpen", "high"],
      ["DriftMediumOpen", "medium"],
      ["DriftLowOpen", "low"],
    ]) {
      expect(byName.get(name)?.expr).toContain(`severity="${severity}"`);
      expect(byName.get(name)?.for).toMatch(/^\d+[mh]$/);
    }
    // stale verdicts compare the last full detection with twice the configured interval
    expect(byName.get("DriftVerdictsStale")?.expr).toMatch(
      /drift_detector_last_full_detection_timestamp_seconds[\s\S]*> 2 \* max by \(namespace, job\) \(drift_detector_detection_interval_seconds\)/,
    );
  });

  it("every alert has valid durations, an alert severity, a summary and a runbook section in docs/metrics.md", () => {
    const anchors = new Set(
      [...runbook.matchAll(/^#{2,4} (.+)$/gm)].map((m) =>
        m[1]
          .trim()
          .toLowerCase()
          .replace(/[^a-z0-9 -]/g, "")
          .replace(/ /g, "-"),
      ),
    );
    for (const rule of rules) {
      if (rule.for !== undefined) expect(rule.for, rule.alert).toMatch(/^\d+[smhd]$/);
      expect(["critical", "warning", "info"], rule.alert).toContain(rule.labels?.severity);
      expect(rule.annotations?.summary, rule.alert).toMatch(/\S/);
      const anchor = rule.annotations?.runbook_url?.split("docs/metrics.md#")[1];
      expect(anchor, rule.alert).toBe(rule.alert?.toLowerCase());
      expect(anchors, rule.alert).toContain(anchor);
    }
  });
});

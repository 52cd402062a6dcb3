// drift_detector_analysis_requests_total{provider,outcome}: one count per model request attempt (provider claude or
// local, outcome success | invalid_reply | rate_limited | overloaded | server_error | timeout | connection_error |
// auth_error | bad_request), per analysis served from the cache (outcome cached), and per analysis made by rules
// (provider rules, outcome primary | fallback | budget).
import { Counter, type Registry } from "prom-client";

export const ANALYSIS_REQUESTS_METRIC = "drift_detector_analysis_requests_total";

export type AnalysisCounter = Counter<"provider" | "outcome">;

/** The counter in `registry`, created on first use (several analyzers may share one registry). */
export function analysisRequestsCounter(registry?: Registry): AnalysisCounter {
  const existing = registry?.getSingleMetric(ANALYSIS_REQUESTS_METRIC);
  if (existing) return existing as AnalysisCounter;
  return new Counter({
    name: ANALYSIS_REQUESTS_METRIC,
    help: "Drift analysis requests by provider (claude, local, rules) and outcome.",
    labelNames: ["provider", "outcome"],
    registers: registry ? [registry] : [],
  });
}

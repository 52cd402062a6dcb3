// What an analyzer under test leaves behind for its assertions: its log lines, the pauses it asked for between
// retries (recorded, not slept) and its request counts.
import { pino } from "pino";
import { Registry } from "prom-client";
import { expect } from "vitest";
import type { AnalyzerDeps } from "../../src/analysis/factory.js";
import { ANALYSIS_REQUESTS_METRIC } from "../../src/analysis/metrics.js";

export interface AnalyzerProbe {
  registry: Registry;
  logLines: string[];
  sleeps: number[];
  /** createAnalyzer's deps: a debug logger into logLines, the registry, short timeouts, sleeps recorded. */
  deps(tuning?: AnalyzerDeps["tuning"]): AnalyzerDeps;
  /** The analysis requests counted so far, as `provider/outcome` → count. */
  counts(): Promise<Record<string, number>>;
}

export function analyzerProbe(): AnalyzerProbe {
  const registry = new Registry();
  const logLines: string[] = [];
  const sleeps: number[] = [];
  return {
    registry,
    logLines,
    sleeps,
    deps: (tuning) => ({
      logger: pino({ level: "debug" }, { write: (line: string) => logLines.push(line) }),
      registry,
      tuning: {
        requestTimeoutMs: 2_000,
        retryBaseDelayMs: 1,
        retryMaxDelayMs: 4,
        sleep: async (ms) => {
          sleeps.push(ms);
        },
        ...tuning,
      },
    }),
    counts: async () => {
      const metric = await registry.getSingleMetric(ANALYSIS_REQUESTS_METRIC)?.get();
      const out: Record<string, number> = {};
      for (const v of metric?.values ?? []) out[`${v.labels.provider}/${v.labels.outcome}`] = v.value;
      return out;
    },
  };
}

/** The pauses were exponential backoff reaching `ceilings` (ms), each less at most a quarter of jitter. */
export function expectBackoff(sleeps: number[], ceilings: number[]): void {
  expect(sleeps).toHaveLength(ceilings.length);
  ceilings.forEach((ceiling, i) => {
    expect(sleeps[i]).toBeGreaterThan(ceiling * 0.75 - 1);
    expect(sleeps[i]).toBeLessThanOrEqual(ceiling);
  });
}

// The analyzer of a one-shot `check --analyze`: settings from the environment like the service, but a check never
// fails for want of a key: without one (or with DRIFT_ANALYSIS=off) it explains the drift with the rules.
import { type Logger, pino } from "pino";
import { createLogger } from "../app/logger.js";
import type { DetectionReport } from "../drift/types.js";
import { type AnalysedReport, attachAnalyses } from "./attach.js";
import { analysisSettingsFromEnv, createAnalyzer } from "./factory.js";
import { RulesAnalyzer } from "./rules/analyzer.js";
import type { Analyzer } from "./types.js";

export interface CheckAnalysisOptions {
  env?: NodeJS.ProcessEnv;
  logger?: Logger;
  /** One-line notes for the person running the check (stderr). */
  note?: (line: string) => void;
}

export function analyzerForCheck(options: CheckAnalysisOptions = {}): Analyzer {
  const settings = analysisSettingsFromEnv(options.env ?? process.env);
  if (settings.analysis === "claude" && !settings.claudeApiKey && !settings.llmUrl) {
    options.note?.("no CLAUDE_API_KEY set: analysing with the rules (DRIFT_ANALYSIS=rules says so explicitly)");
    return new RulesAnalyzer();
  }
  if (settings.analysis === "off") return new RulesAnalyzer();
  // logs go to stderr: stdout carries the report (JSON for scripts)
  const env = options.env ?? process.env;
  const logger =
    options.logger ??
    createLogger({ name: "drift-detector", level: env.DRIFT_LOG_LEVEL || "warn", destination: pino.destination(2) });
  return createAnalyzer(settings, { logger }) ?? new RulesAnalyzer();
}

export async function analyzeCheckReport(
  report: DetectionReport,
  options: CheckAnalysisOptions = {},
): Promise<AnalysedReport> {
  return attachAnalyses(report, analyzerForCheck(options));
}

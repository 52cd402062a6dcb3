// The analysis module's public face: build an analyzer from settings, analyse drifts, attach analyses to reports.
export { type AnalysedReport, type AnalysedResult, attachAnalyses, formatAnalysis, renderAnalyses } from "./attach.js";
export { HourlyBudget } from "./budget.js";
export { type AnalysisCache, MemoryAnalysisCache } from "./cache.js";
export {
  ANALYSIS_MODES,
  AnalysisConfigError,
  type AnalysisSettings,
  type AnalyzerDeps,
  analysisSettingsFromEnv,
  createAnalyzer,
} from "./factory.js";
export { driftFingerprint } from "./fingerprint.js";
export { ANALYSIS_REQUESTS_METRIC } from "./metrics.js";
export { ModelAnalyzer } from "./model-analyzer.js";
export { DEFAULT_CLAUDE_MODEL } from "./providers/claude.js";
export { createRedactor, type Redactor } from "./redact.js";
export { analyzeWithRules, RulesAnalyzer } from "./rules/analyzer.js";
export * from "./types.js";

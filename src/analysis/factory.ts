// Picks the analyzer from the settings: DRIFT_ANALYSIS=claude (Claude, then the local model if DRIFT_LLM_URL is
// set, then rules), rules, or off (no analyzer). Field names match detector/settings.ts RUN_SETTINGS.

import type { Logger } from "pino";
import type { Registry } from "prom-client";
import { parseDuration } from "../lib/duration.js";
import { ExpectedError } from "../lib/errors.js";
import { HourlyBudget } from "./budget.js";
import { type AnalysisCache, MemoryAnalysisCache } from "./cache.js";
import { ModelAnalyzer, type ModelAnalyzerOptions } from "./model-analyzer.js";
import { ClaudeProvider, DEFAULT_CLAUDE_MODEL } from "./providers/claude.js";
import { LocalModelProvider } from "./providers/local.js";
import type { ModelProvider } from "./providers/provider.js";
import { createRedactor } from "./redact.js";
import { RulesAnalyzer } from "./rules/analyzer.js";
import type { Analyzer } from "./types.js";

export const ANALYSIS_MODES = ["claude", "rules", "off"] as const;
export type AnalysisMode = (typeof ANALYSIS_MODES)[number];

export interface AnalysisSettings {
  /** DRIFT_ANALYSIS */
  analysis: AnalysisMode;
  /** CLAUDE_API_KEY or ANTHROPIC_API_KEY */
  claudeApiKey?: string;
  /** CLAUDE_MODEL */
  claudeModel?: string;
  /** ANTHROPIC_BASE_URL */
  anthropicBaseUrl?: string;
  /** CLAUDE_DEBUG_LOGGING (default true) */
  claudeDebugLogging?: boolean;
  /** DRIFT_ANALYSIS_MAX_PER_HOUR */
  analysisMaxPerHour?: number;
  /** DRIFT_LLM_URL: a local model, tried after Claude (or instead of it when no key is set). */
  llmUrl?: string;
  /** DRIFT_LLM_MODEL */
  llmModel?: string;
  /** DRIFT_LLM_API_KEY, for OpenAI-compatible gateways that want one. */
  llmApiKey?: string;
  /** DRIFT_ANALYSIS_TIMEOUT (ms): one model request, at most. */
  analysisTimeout?: number;
}

export interface AnalyzerDeps {
  logger?: Logger;
  registry?: Registry;
  /** The store-backed cache in the service; in-memory otherwise. */
  cache?: AnalysisCache;
  /** Timeouts, retries and batching (tests shorten them). */
  tuning?: Omit<ModelAnalyzerOptions, "providers" | "cache" | "budget" | "registry" | "logger" | "redactor"> & {
    requestTimeoutMs?: number;
  };
}

/** A setting combination that cannot work; the service prints the message (one line) and refuses to start. */
export class AnalysisConfigError extends ExpectedError {
  override readonly name = "AnalysisConfigError";
}

/** Reads the analysis settings from the environment (for `check --analyze`, which has no settings loader). */
export function analysisSettingsFromEnv(env: NodeJS.ProcessEnv): AnalysisSettings {
  const mode = (env.DRIFT_ANALYSIS || "claude").trim();
  if (!(ANALYSIS_MODES as readonly string[]).includes(mode)) {
    throw new AnalysisConfigError(
      `DRIFT_ANALYSIS=${JSON.stringify(mode)} is not allowed: expected claude, rules or off`,
    );
  }
  const perHour = env.DRIFT_ANALYSIS_MAX_PER_HOUR;
  if (perHour !== undefined && perHour !== "" && !/^\d+$/.test(perHour.trim())) {
    throw new AnalysisConfigError(
      `DRIFT_ANALYSIS_MAX_PER_HOUR=${JSON.stringify(perHour)} is not allowed: expected a whole number`,
    );
  }
  const timeout = env.DRIFT_ANALYSIS_TIMEOUT?.trim();
  const analysisTimeout = timeout ? parseDuration(timeout) : undefined;
  if (timeout && !(analysisTimeout && analysisTimeout > 0)) {
    throw new AnalysisConfigError(
      `DRIFT_ANALYSIS_TIMEOUT=${JSON.stringify(timeout)} is not allowed: expected a duration such as 60s`,
    );
  }
  const debug = (env.CLAUDE_DEBUG_LOGGING ?? "true").trim().toLowerCase();
  return {
    analysis: mode as AnalysisMode,
    claudeApiKey: env.CLAUDE_API_KEY || env.ANTHROPIC_API_KEY || undefined,
    claudeModel: env.CLAUDE_MODEL || undefined,
    anthropicBaseUrl: env.ANTHROPIC_BASE_URL || undefined,
    claudeDebugLogging: !["false", "0", "no", "off"].includes(debug),
    analysisMaxPerHour: perHour ? Number(perHour) : undefined,
    llmUrl: env.DRIFT_LLM_URL || undefined,
    llmModel: env.DRIFT_LLM_MODEL || undefined,
    llmApiKey: env.DRIFT_LLM_API_KEY || undefined,
    analysisTimeout,
  };
}

/** The analyzer the settings ask for; null for `off`. Throws AnalysisConfigError for an impossible combination. */
export function createAnalyzer(settings: AnalysisSettings, deps: AnalyzerDeps = {}): Analyzer | null {
  const { logger, registry } = deps;
  const knownSecrets = [settings.claudeApiKey, settings.llmApiKey].filter((s): s is string => Boolean(s));
  const redactor = createRedactor(knownSecrets);
  switch (settings.analysis) {
    case "off":
      return null;
    case "rules":
      return new RulesAnalyzer({ redactor, registry });
    case "claude":
      break;
    default:
      throw new AnalysisConfigError(
        `DRIFT_ANALYSIS=${JSON.stringify(settings.analysis)} is not allowed: expected claude, rules or off`,
      );
  }
  if (!settings.claudeApiKey && !settings.llmUrl) {
    throw new AnalysisConfigError(
      "CLAUDE_API_KEY is not set: DRIFT_ANALYSIS=claude needs an Anthropic API key (CLAUDE_API_KEY or ANTHROPIC_API_KEY); set DRIFT_ANALYSIS=rules to use the deterministic rules instead",
    );
  }
  const { requestTimeoutMs, ...tuning } = deps.tuning ?? {};
  const debugLogging = settings.claudeDebugLogging ?? true;
  const providers: ModelProvider[] = [];
  if (settings.claudeApiKey) {
    providers.push(
      new ClaudeProvider({
        apiKey: settings.claudeApiKey,
        model: settings.claudeModel || DEFAULT_CLAUDE_MODEL,
        baseURL: settings.anthropicBaseUrl,
        timeoutMs: requestTimeoutMs ?? settings.analysisTimeout ?? 60_000,
        logger,
        debugLogging,
        redactor,
      }),
    );
  }
  if (settings.llmUrl) {
    providers.push(
      new LocalModelProvider({
        url: settings.llmUrl,
        model: settings.llmModel,
        apiKey: settings.llmApiKey,
        timeoutMs: requestTimeoutMs ?? settings.analysisTimeout ?? 120_000,
        logger,
        debugLogging,
        redactor,
      }),
    );
  }
  logger?.info(
    { providers: providers.map((p) => `${p.name}:${p.model}`), maxPerHour: settings.analysisMaxPerHour ?? 60 },
    "drift analysis enabled",
  );
  return new ModelAnalyzer({
    ...tuning,
    providers,
    cache: deps.cache ?? new MemoryAnalysisCache(),
    budget: new HourlyBudget(settings.analysisMaxPerHour ?? 60),
    registry,
    logger,
    redactor,
  });
}

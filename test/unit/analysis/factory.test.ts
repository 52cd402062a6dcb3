// Choosing the analyzer from the settings, and the local-model provider's own parts.
import { createServer } from "node:net";
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { AnalysisConfigError, analysisSettingsFromEnv, createAnalyzer } from "../../../src/analysis/factory.js";
import { ANALYSIS_REQUESTS_METRIC } from "../../../src/analysis/metrics.js";
import { ModelAnalyzer } from "../../../src/analysis/model-analyzer.js";
import { localEndpoint } from "../../../src/analysis/providers/local.js";
import { jsonFromText } from "../../../src/analysis/providers/local-reply.js";
import { RulesAnalyzer } from "../../../src/analysis/rules/analyzer.js";
import { request, scenarios } from "./fixtures.js";

describe("createAnalyzer", () => {
  it("off gives no analyzer, rules the rules analyzer, claude with a key the model analyzer", () => {
    expect(createAnalyzer({ analysis: "off" })).toBeNull();
    expect(createAnalyzer({ analysis: "rules" })).toBeInstanceOf(RulesAnalyzer);
    expect(createAnalyzer({ analysis: "claude", claudeApiKey: "sk-ant-x" })).toBeInstanceOf(ModelAnalyzer);
    expect(createAnalyzer({ analysis: "claude", llmUrl: "http://127.0.0.1:11434" })).toBeInstanceOf(ModelAnalyzer);
  });

  it("claude without a key is a typed config error of one clear line", () => {
    let error: unknown;
    try {
      createAnalyzer({ analysis: "claude" });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(AnalysisConfigError);
    const message = (error as Error).message;
    expect(message).not.toContain("\n");
    expect(message).toMatch(/^CLAUDE_API_KEY is not set: .*DRIFT_ANALYSIS=rules/);
  });

  it("reads the environment with the contract's defaults and names a bad value", () => {
    expect(analysisSettingsFromEnv({})).toMatchObject({ analysis: "claude", claudeDebugLogging: true });
    expect(analysisSettingsFromEnv({ ANTHROPIC_API_KEY: "k", CLAUDE_DEBUG_LOGGING: "false" })).toMatchObject({
      claudeApiKey: "k",
      claudeDebugLogging: false,
    });
    expect(analysisSettingsFromEnv({ CLAUDE_API_KEY: "a", ANTHROPIC_API_KEY: "b" }).claudeApiKey).toBe("a");
    expect(() => analysisSettingsFromEnv({ DRIFT_ANALYSIS: "gpt" })).toThrow(
      'DRIFT_ANALYSIS="gpt" is not allowed: expected claude, rules or off',
    );
    expect(() => analysisSettingsFromEnv({ DRIFT_ANALYSIS_MAX_PER_HOUR: "lots" })).toThrow(AnalysisConfigError);
    expect(analysisSettingsFromEnv({ DRIFT_ANALYSIS_TIMEOUT: "90s" }).analysisTimeout).toBe(90_000);
    expect(() => analysisSettingsFromEnv({ DRIFT_ANALYSIS_TIMEOUT: "soon" })).toThrow(
      'DRIFT_ANALYSIS_TIMEOUT="soon" is not allowed: expected a duration such as 60s',
    );
  });
});

describe("local model provider", () => {
  it("finds the endpoint and dialect from DRIFT_LLM_URL", () => {
    expect(localEndpoint("http://ollama:11434")).toEqual({ url: "http://ollama:11434/api/chat", flavour: "ollama" });
    expect(localEndpoint("http://ollama:11434/api/chat")).toEqual({
      url: "http://ollama:11434/api/chat",
      flavour: "ollama",
    });
    expect(localEndpoint("http://vllm:8000")).toEqual({
      url: "http://vllm:8000/v1/chat/completions",
      flavour: "openai",
    });
    expect(localEndpoint("http://gw/v1/")).toEqual({ url: "http://gw/v1/chat/completions", flavour: "openai" });
  });

  it("reads JSON answers, fenced or not", () => {
    expect(jsonFromText('{"analyses":[]}')).toEqual({ analyses: [] });
    expect(jsonFromText('Sure:\n```json\n{"analyses":[]}\n```')).toEqual({ analyses: [] });
    expect(() => jsonFromText("no json here")).toThrow();
  });

  it("an unreachable local model ends in rules", async () => {
    // a port that was free a moment ago: connection refused, a real failure rather than an imitation
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, "127.0.0.1", () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const registry = new Registry();
    const analyzer = createAnalyzer(
      { analysis: "claude", llmUrl: `http://127.0.0.1:${port}` },
      { registry, tuning: { maxRetries: 0 } },
    );
    const [a] = (await analyzer?.analyze([request(scenarios.manualScale)])) ?? [];
    expect(a.source).toBe("rules");
    const metric = await registry.getSingleMetric(ANALYSIS_REQUESTS_METRIC)?.get();
    expect(metric?.values.map((v) => `${v.labels.provider}/${v.labels.outcome}`).sort()).toEqual([
      "local/connection_error",
      "rules/fallback",
    ]);
  });
});

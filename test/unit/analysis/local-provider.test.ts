// The local model provider (DRIFT_LLM_URL) end to end, through the service's own path (run settings → factory →
// model analyzer → attachAnalyses), against a local server speaking Ollama's /api/chat and the OpenAI-compatible
// /v1/chat/completions: structured replies, replies small models dress up, every failure ending in rules, the API
// key sent but never logged, and no secret in any request.
import { pino } from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { attachAnalyses } from "../../../src/analysis/attach.js";
import { type AnalyzerDeps, createAnalyzer } from "../../../src/analysis/factory.js";
import { analyzeCheckReport } from "../../../src/analysis/for-check.js";
import { toolInputSchema } from "../../../src/analysis/prompt.js";
import { localReplySchema, ollamaContextTokens } from "../../../src/analysis/providers/local.js";
import { asReply, jsonFromText } from "../../../src/analysis/providers/local-reply.js";
import type { Analysis, AnalysisRequest, Analyzer } from "../../../src/analysis/types.js";
import type { DetectionReport } from "../../../src/drift/types.js";
import { loadRunSettings } from "../../../src/service/settings.js";
import { type AnalyzerProbe, analyzerProbe, expectBackoff } from "../../helpers/analyzer-probe.js";
import { analysesFor } from "../../helpers/fake-anthropic.js";
import {
  answerAll,
  type Dialect,
  type FakeLocalModel,
  type FakeLocalModelOptions,
  localItemIds,
  startFakeLocalModel,
} from "../../helpers/fake-local-model.js";
import { request, scenarios, unmasked } from "./fixtures.js";

const MODEL = "qwen2.5:7b-instruct";
const KEY = "sk-local-gateway-0123456789abcdefghijKLMN";

let fake: FakeLocalModel;
let probe: AnalyzerProbe;

beforeEach(() => {
  probe = analyzerProbe();
});
afterEach(async () => {
  await fake?.close();
});

const endpointOf: Record<Dialect, (base: string) => string> = {
  ollama: (base) => `${base}/api/chat`,
  openai: (base) => `${base}/v1`,
};

interface Setup {
  env?: Record<string, string>;
  server?: FakeLocalModelOptions;
  tuning?: AnalyzerDeps["tuning"];
}

/** The analyzer exactly as `drift-detector run` builds it from its environment. */
async function setUp(dialect: Dialect, setup: Setup = {}): Promise<Analyzer> {
  fake = await startFakeLocalModel(setup.server);
  const settings = loadRunSettings({
    env: {
      DRIFT_SOURCE: "./manifests",
      DRIFT_LLM_URL: endpointOf[dialect](fake.url),
      DRIFT_LLM_MODEL: MODEL,
      DRIFT_ANALYSIS_MAX_PER_HOUR: "100",
      ...setup.env,
    },
  });
  const analyzer = createAnalyzer(settings, probe.deps(setup.tuning));
  if (!analyzer) throw new Error("no analyzer");
  return analyzer;
}

const warnings = () => probe.logLines.map((l) => JSON.parse(l)).filter((l) => l.level === 40);
const sources = (results: Analysis[]) => results.map((r) => r.source);
const one = (ctx?: AnalysisRequest["context"]) => [request(scenarios.imageHotfix, ctx)];

function report(...resources: DetectionReport["resources"]): DetectionReport {
  return {
    apiVersion: "drift-detector/v1",
    mode: "server",
    summary: { resources: resources.length, inSync: 0, drifted: resources.length, missing: 0, errors: 0 },
    resources,
  };
}

describe.each(["ollama", "openai"] as const)("local model over %s", (dialect) => {
  describe("a structured reply", () => {
    it("is attached as the analysis, from local:<model>, after a request the real server accepts", async () => {
      const analyzer = await setUp(dialect);
      const analysed = await attachAnalyses(report(scenarios.imageHotfix, scenarios.manualScale), analyzer, (r) => ({
        driftId: `drift-${r.ref.name}-${r.changes[0].path.length}`,
      }));
      const [hotfix, scale] = analysed.resources.map((r) => r.analysis);
      expect(hotfix).toMatchObject({ source: "local", model: MODEL, summary: "Fake analysis of d1." });
      expect(scale).toMatchObject({ source: "local", model: MODEL, summary: "Fake analysis of d2." });
      expect(hotfix?.commands[0]).toMatch(/^drift-detector drift show drift-backend-\d+$/);

      expect(fake.requests).toHaveLength(1);
      const req = fake.requests[0];
      expect(req.method).toBe("POST");
      expect(req.headers["content-type"]).toBe("application/json");
      expect(req.headers.authorization).toBeUndefined();
      expect(req.body.model).toBe(MODEL);
      expect(req.body.messages.map((m: { role: string }) => m.role)).toEqual(["system", "user"]);
      expect(req.body.messages[0].content).toContain("record_drift_analyses");
      expect(localItemIds(req)).toEqual(["d1", "d2"]);
      if (dialect === "ollama") {
        expect(req.url).toBe("/api/chat");
        expect(req.body.stream).toBe(false);
        expect(req.body.format).toEqual(localReplySchema);
        expect(req.body.options).toMatchObject({ temperature: 0 });
        // Ollama's default context window (2048 or 4096 tokens in many versions) would cut a long prompt from the front
        expect(req.body.options.num_ctx).toBeGreaterThanOrEqual(Math.ceil(req.rawBody.length / 3));
      } else {
        expect(req.url).toBe("/v1/chat/completions");
        expect(req.body.stream).toBeUndefined();
        expect(req.body.temperature).toBe(0);
        expect(req.body.response_format).toEqual({
          type: "json_schema",
          json_schema: { name: "record_drift_analyses", schema: localReplySchema, strict: true },
        });
      }
      expect(await probe.counts()).toEqual({ "local/success": 1 });
      const enabled = probe.logLines.map((l) => JSON.parse(l)).find((l) => l.msg === "drift analysis enabled");
      expect(enabled.providers).toEqual([`local:${MODEL}`]);
    });

    it("in a fence, after prose, or after a model's <think> block is still the model's analysis", async () => {
      const analyzer = await setUp(dialect);
      fake.enqueue(
        answerAll((j) => `\`\`\`json\n${j}\n\`\`\``),
        answerAll((j) => `Here is the analysis you asked for:\n\n${j}\n\nLet me know if {anything} is unclear.`),
        answerAll((j) => `<think>The user wants {"analyses": ...}; the image changed.</think>\n${j}`),
        answerAll((j) => `Sure.\n\`\`\`\n${j}\n\`\`\``),
      );
      const results = await analyzer.analyze([
        request(scenarios.imageHotfix),
        request({ ...scenarios.manualScale, ref: { ...scenarios.manualScale.ref, namespace: "a" } }),
        request({ ...scenarios.configMapEdited, ref: { ...scenarios.configMapEdited.ref, namespace: "b" } }),
        request({ ...scenarios.labelAdded, ref: { ...scenarios.labelAdded.ref, namespace: "c" } }),
      ]);
      expect(fake.requests).toHaveLength(4);
      expect(sources(results)).toEqual(["local", "local", "local", "local"]);
      expect(await probe.counts()).toEqual({ "local/success": 4 });
    });

    it("a bare array of analyses is accepted as the analyses", async () => {
      const analyzer = await setUp(dialect);
      fake.enqueue((req) => ({ content: JSON.stringify(analysesFor(localItemIds(req)).analyses) }));
      expect(sources(await analyzer.analyze(one()))).toEqual(["local"]);
      expect(fake.requests).toHaveLength(1);
    });
  });

  describe("every failure ends in a rules analysis", () => {
    it("invalid JSON is asked again once, then rules", async () => {
      const analyzer = await setUp(dialect);
      fake.enqueue({ content: '{"analyses": [{"id": "d1", "summary": "cut off' }, { content: "I cannot help." });
      const results = await analyzer.analyze(one());
      expect(fake.requests).toHaveLength(2);
      expect(sources(results)).toEqual(["rules"]);
      expect(await probe.counts()).toEqual({ "local/invalid_reply": 2, "rules/fallback": 1 });
      expect(warnings()).toHaveLength(1);
      expect(warnings()[0].msg).toBe("analysis failed (reply invalid after a retry); falling back");
    });

    it("invalid JSON followed by a good reply is the model's analysis", async () => {
      const analyzer = await setUp(dialect);
      fake.enqueue({ content: "{not json" });
      expect(sources(await analyzer.analyze(one()))).toEqual(["local"]);
      expect(fake.requests).toHaveLength(2);
      expect(await probe.counts()).toEqual({ "local/invalid_reply": 1, "local/success": 1 });
    });

    it("a 200 whose body is not the dialect's envelope (an HTML proxy page) is an invalid reply", async () => {
      const analyzer = await setUp(dialect);
      const page = { raw: "<html><body>Gateway says hello</body></html>", headers: { "content-type": "text/html" } };
      fake.enqueue(page, page);
      expect(sources(await analyzer.analyze(one()))).toEqual(["rules"]);
      expect(await probe.counts()).toEqual({ "local/invalid_reply": 2, "rules/fallback": 1 });
    });

    it("a reply cut off at the token limit is an invalid reply that says so", async () => {
      const analyzer = await setUp(dialect);
      const cut = { content: '{"analyses": [{"id": "d1", "summ', finishReason: "length" };
      fake.enqueue(cut, cut);
      expect(sources(await analyzer.analyze(one()))).toEqual(["rules"]);
      expect(warnings()[0].error).toMatch(/length/);
    });

    it("429 waits as long as retry-after says, then succeeds", async () => {
      const analyzer = await setUp(dialect, { tuning: { maxRetryAfterMs: 10_000 } });
      fake.enqueue({ status: 429, error: "rate limited", headers: { "retry-after": "2" } });
      const results = await analyzer.analyze(one());
      expect(fake.requests).toHaveLength(2);
      expect(probe.sleeps).toEqual([2000]);
      expect(sources(results)).toEqual(["local"]);
      expect(await probe.counts()).toEqual({ "local/rate_limited": 1, "local/success": 1 });
    });

    it("429 asking for a longer wait than allowed gives up at once", async () => {
      const analyzer = await setUp(dialect, { tuning: { maxRetryAfterMs: 30_000 } });
      fake.enqueue({ status: 429, error: "rate limited", headers: { "retry-after": "120" } });
      expect(sources(await analyzer.analyze(one()))).toEqual(["rules"]);
      expect(fake.requests).toHaveLength(1);
      expect(probe.sleeps).toEqual([]);
      expect(warnings()).toHaveLength(1);
    });

    it("500 is retried with exponential backoff, then rules", async () => {
      const analyzer = await setUp(dialect, { tuning: { retryBaseDelayMs: 100, retryMaxDelayMs: 10_000 } });
      const crash = { status: 500, error: "llama runner process has terminated: signal: killed" };
      fake.enqueue(crash, crash, crash);
      const results = await analyzer.analyze(one());
      expect(fake.requests).toHaveLength(3);
      expectBackoff(probe.sleeps, [100, 200]);
      expect(sources(results)).toEqual(["rules"]);
      expect(await probe.counts()).toEqual({ "local/server_error": 3, "rules/fallback": 1 });
      expect(warnings()).toHaveLength(1);
      // the server's own words reach the operator
      expect(warnings()[0].error).toContain("llama runner process has terminated");
    });

    it("503 (model loading, server busy) is retried and a later success counts", async () => {
      const analyzer = await setUp(dialect);
      fake.enqueue({ status: 503, error: "Loading model" }, { status: 503, error: "server busy, please try again" });
      const results = await analyzer.analyze(one());
      expect(fake.requests).toHaveLength(3);
      expect(probe.sleeps).toHaveLength(2);
      expect(sources(results)).toEqual(["local"]);
      expect(await probe.counts()).toEqual({ "local/server_error": 2, "local/success": 1 });
    });

    it("an unknown model is not retried and the warning names it", async () => {
      const analyzer = await setUp(dialect, { env: { DRIFT_LLM_MODEL: "llama3.3:70b" } });
      expect(sources(await analyzer.analyze(one()))).toEqual(["rules"]);
      expect(fake.requests).toHaveLength(1);
      expect(await probe.counts()).toEqual({ "local/bad_request": 1, "rules/fallback": 1 });
      expect(warnings()).toHaveLength(1);
      expect(warnings()[0].error).toContain("llama3.3:70b");
    });

    it("a server slower than the timeout ends in rules at once, with one clear warning", async () => {
      // Not retried even with retries left: a local model too slow once is as slow again.
      const analyzer = await setUp(dialect, { tuning: { requestTimeoutMs: 200, maxRetries: 1 } });
      const slow = { content: JSON.stringify(analysesFor(["d1"])), delayMs: 3_000 };
      fake.enqueue(slow, slow);
      const results = await analyzer.analyze(one());
      expect(fake.requests).toHaveLength(1);
      expect(sources(results)).toEqual(["rules"]);
      expect(await probe.counts()).toEqual({ "local/timeout": 1, "rules/fallback": 1 });
      const w = warnings();
      expect(w).toHaveLength(1);
      expect(w[0]).toMatchObject({ provider: "local", model: MODEL, kind: "timeout" });
      expect(w[0].error).toMatch(/no reply from http:\/\/127\.0\.0\.1:\d+\/\S+ within 0\.2s/);
    });

    it("an unreachable server is retried, then rules, with a warning naming the address", async () => {
      const analyzer = await setUp(dialect, { tuning: { maxRetries: 1 } });
      await fake.close();
      expect(sources(await analyzer.analyze(one()))).toEqual(["rules"]);
      expect(await probe.counts()).toEqual({ "local/connection_error": 2, "rules/fallback": 1 });
      expect(warnings()).toHaveLength(1);
      expect(warnings()[0].error).toMatch(/^cannot reach http:\/\/127\.0\.0\.1:\d+\/\S+: ECONNREFUSED$/);
    });

    it("a reply whose body stalls past the timeout is a timeout too", async () => {
      const analyzer = await setUp(dialect, { tuning: { requestTimeoutMs: 200, maxRetries: 0 } });
      fake.enqueue((req) => ({ ...answerAll()(req), stallBodyMs: 3_000 }));
      expect(sources(await analyzer.analyze(one()))).toEqual(["rules"]);
      expect(fake.requests).toHaveLength(1);
      expect(await probe.counts()).toEqual({ "local/timeout": 1, "rules/fallback": 1 });
    });
  });

  describe("the API key", () => {
    it("is sent as a bearer token when DRIFT_LLM_API_KEY is set", async () => {
      const analyzer = await setUp(dialect, { env: { DRIFT_LLM_API_KEY: KEY }, server: { apiKey: KEY } });
      expect(sources(await analyzer.analyze(one()))).toEqual(["local"]);
      expect(fake.requests[0].headers.authorization).toBe(`Bearer ${KEY}`);
    });

    it("a server that wants a key and gets none: 401, no retry, the provider paused, rules", async () => {
      const analyzer = await setUp(dialect, { server: { apiKey: KEY } });
      expect(sources(await analyzer.analyze(one()))).toEqual(["rules"]);
      expect(sources(await analyzer.analyze([request(scenarios.manualScale)]))).toEqual(["rules"]);
      expect(fake.requests).toHaveLength(1);
      expect(await probe.counts()).toMatchObject({ "local/auth_error": 1 });
      expect(warnings()[0].msg).toMatch(/credentials rejected; local paused/);
    });

    it("appears in no log line and no request body, even when the server echoes it", async () => {
      const analyzer = await setUp(dialect, { env: { DRIFT_LLM_API_KEY: KEY } });
      fake.enqueue((req) => ({ content: `${JSON.stringify(analysesFor(localItemIds(req)))}\n(served for ${KEY})` }), {
        status: 401,
        error: `invalid api key ${KEY}`,
      });
      expect(sources(await analyzer.analyze(one()))).toEqual(["local"]);
      expect(sources(await analyzer.analyze([request(scenarios.manualScale)]))).toEqual(["rules"]);
      expect(probe.logLines.some((l) => l.includes("analysis request"))).toBe(true);
      expect(probe.logLines.some((l) => l.includes("analysis response"))).toBe(true);
      for (const line of probe.logLines) expect(line).not.toContain(KEY.slice(0, 16));
      for (const r of fake.requests) expect(r.rawBody).not.toContain(KEY.slice(0, 16));
    });
  });

  it("no secret value, plain or base64, appears in any request body or log line", async () => {
    const analyzer = await setUp(dialect, { env: { DRIFT_LLM_API_KEY: KEY } });
    const secrets = unmasked.values;
    const unmaskedSecret = { ...scenarios.secretChangedMasked, changes: [unmasked.secretData] };
    const envSecret = { ...scenarios.envAdded, changes: unmasked.envChanges };
    const withRelatedSecret = request(scenarios.manualScale, {
      related: [
        {
          relation: "mounted secret",
          ref: { apiVersion: "v1", kind: "Secret", namespace: "qa", name: "db-credentials" },
          object: { kind: "Secret", data: { PASSWORD: Buffer.from("s3cret-value").toString("base64") } },
        },
      ],
    });
    const results = await analyzer.analyze([request(unmaskedSecret), request(envSecret), withRelatedSecret]);
    expect(sources(results)).toEqual(["local", "local", "local"]);
    expect(fake.requests.length).toBeGreaterThan(0);
    for (const r of fake.requests) for (const s of [...secrets, KEY]) expect(r.rawBody).not.toContain(s);
    for (const line of probe.logLines) for (const s of [...secrets, KEY]) expect(line).not.toContain(s);
  });
});

describe("local model: reading what a model wrote", () => {
  const answer = { analyses: [{ id: "d1" }] };

  it("prefers the JSON that looks like the answer over other JSON in the prose", () => {
    const text = `Replace {DRIFT_ID} first. Context was {"replicas": 2}.\n${JSON.stringify(answer)}\nDone.`;
    expect(jsonFromText(text)).toEqual(answer);
    expect(jsonFromText(`<think>maybe {"analyses": []}</think>${JSON.stringify(answer)}`)).toEqual(answer);
    expect(jsonFromText('{"note": "a } inside a string", "analyses": []} trailing')).toEqual({
      note: "a } inside a string",
      analyses: [],
    });
    expect(() => jsonFromText("I would revert this {carefully}.")).toThrow("no JSON object in the reply");
  });

  it("takes the reply's shape from the near misses models produce", () => {
    const item = { id: "d1", summary: "s" };
    expect(asReply([item])).toEqual({ analyses: [item] });
    expect(asReply({ record_drift_analyses: { analyses: [item] } })).toEqual({ analyses: [item] });
    expect(asReply(item)).toEqual({ analyses: [item] });
    expect(asReply({ analyses: [item] })).toEqual({ analyses: [item] });
    expect(asReply({ something: "else" })).toEqual({ something: "else" });
  });
});

describe("local model: Ollama's context window", () => {
  const prompt = (chars: number, items: number) => ({
    system: "s".repeat(2_000),
    user: "u".repeat(chars),
    ids: Array.from({ length: items }, (_, i) => `d${i + 1}`),
  });

  it("holds the whole prompt and the answer, in a few sizes, up to a cap", () => {
    expect(ollamaContextTokens(prompt(3_000, 1))).toBe(8192);
    // a full batch at the default 12,000-token data budget: ~42,000 characters of JSON
    const full = prompt(42_000, 5);
    expect(ollamaContextTokens(full)).toBeGreaterThanOrEqual((2_000 + 42_000) / 3 + 5 * 400);
    expect(ollamaContextTokens(full)).toBe(32768);
    expect(ollamaContextTokens(prompt(1_000_000, 5))).toBe(65536);
  });
});

describe("local model: the schema sent", () => {
  it("is the reply schema, with every enum typed as strings as grammar builders and strict mode expect", () => {
    // biome-ignore lint/suspicious/noExplicitAny: walking a JSON schema
    const item = (localReplySchema as any).properties.analyses.items;
    expect(item.properties.risk.properties.level).toEqual({
      type: "string",
      enum: ["critical", "high", "medium", "low"],
    });
    expect(item.properties.recommendation.properties.action).toMatchObject({
      type: "string",
      enum: ["revert", "accept", "investigate", "ignore"],
    });
    const untyped = JSON.parse(JSON.stringify(localReplySchema), (_k, v) =>
      v && typeof v === "object" && Array.isArray(v.enum) ? { ...v, type: undefined } : v,
    );
    expect(JSON.parse(JSON.stringify(untyped))).toEqual(toolInputSchema);
  });
});

describe("local model: endpoints and credentials in DRIFT_LLM_URL", () => {
  it("a bare base URL is the OpenAI-compatible /v1/chat/completions", async () => {
    fake = await startFakeLocalModel();
    const analyzer = createAnalyzer({ analysis: "claude", llmUrl: fake.url, llmModel: MODEL });
    expect(sources((await analyzer?.analyze(one())) ?? [])).toEqual(["local"]);
    expect(fake.requests.map((r) => r.url)).toEqual(["/v1/chat/completions"]);
  });

  it("user:password in the URL becomes basic auth; the password is never logged nor put in the URL", async () => {
    fake = await startFakeLocalModel();
    const url = fake.url.replace("http://", "http://drift:hunter2-pass@");
    const analyzer = createAnalyzer(
      { analysis: "claude", llmUrl: `${url}/api/chat`, llmModel: MODEL },
      { ...probe.deps(), tuning: { maxRetries: 0 } },
    );
    expect(sources((await analyzer?.analyze(one())) ?? [])).toEqual(["local"]);
    expect(fake.requests[0].headers.authorization).toBe(
      `Basic ${Buffer.from("drift:hunter2-pass").toString("base64")}`,
    );
    expect(fake.requests[0].url).toBe("/api/chat");
    for (const line of probe.logLines) expect(line).not.toContain("hunter2-pass");
  });

  it("`check --analyze` reaches the local model from the environment alone", async () => {
    fake = await startFakeLocalModel();
    const logger = pino({ level: "warn" }, { write: (line: string) => probe.logLines.push(line) });
    const analysed = await analyzeCheckReport(report(scenarios.manualScale), {
      env: { DRIFT_LLM_URL: `${fake.url}/api/chat`, DRIFT_LLM_MODEL: MODEL },
      logger,
    });
    expect(analysed.resources[0].analysis).toMatchObject({ source: "local", model: MODEL });
    expect(probe.logLines).toEqual([]);
  });
});

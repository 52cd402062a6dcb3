// Model-backed analysis with every cost and failure control in one place: cache per fingerprint, hourly budget,
// batching of related drifts, retries with backoff honouring retry-after, one retry for a reply that does not
// validate, then the next provider, then rules. analyze() never rejects because a model failed.
import type { Logger } from "pino";
import type { Registry } from "prom-client";
import { untilAborted } from "../lib/sleep.js";
import { planBatches } from "./batch.js";
import type { HourlyBudget } from "./budget.js";
import type { AnalysisCache } from "./cache.js";
import { buildItemData } from "./context.js";
import { type AnalysisCounter, analysisRequestsCounter } from "./metrics.js";
import { buildPrompt, type Prompt, type ReplyItem, replySchema } from "./prompt.js";
import { type ModelProvider, ProviderError } from "./providers/provider.js";
import { createRedactor, type Redactor } from "./redact.js";
import { analyzeWithRules } from "./rules/analyzer.js";
import { classify } from "./rules/classify.js";
import { isSafeCommand, resolveCommands } from "./safe-commands.js";
import type { Analysis, AnalysisRequest, AnalyzeOptions, Analyzer, RiskLevel } from "./types.js";
import { RISK_LEVELS } from "./types.js";

export interface ModelAnalyzerOptions {
  /** Tried in order for each batch; rules after the last. */
  providers: ModelProvider[];
  cache?: AnalysisCache;
  budget?: HourlyBudget;
  registry?: Registry;
  logger?: Logger;
  redactor?: Redactor;
  /** Drifts per request. */
  maxBatchSize?: number;
  /** Requests in flight at once. */
  concurrency?: number;
  /** Token budget of the drift data in one request, shared by its items. */
  maxInputTokens?: number;
  /** Retries of a request after 429 / 529 / 5xx / timeout / connection failure. */
  maxRetries?: number;
  retryBaseDelayMs?: number;
  retryMaxDelayMs?: number;
  /** A retry-after longer than this gives up (rules) instead of holding the detection. */
  maxRetryAfterMs?: number;
  /** Extra attempts after a reply that does not validate. */
  invalidReplyRetries?: number;
  /** After 401/403 the provider is skipped for this long. */
  authFailureCooldownMs?: number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

// Classes whose risk a model may not talk down (live text could try to): the rules' level is the floor.
const RISK_FLOOR_CLASSES = new Set(["privilege-escalation", "rbac-widening", "deleted-object"]);

const clip = (s: string, max: number) => (s.length > max ? `${s.slice(0, max - 1)}…` : s);

export class ModelAnalyzer implements Analyzer {
  private readonly counter: AnalysisCounter;
  private readonly redactor: Redactor;
  private readonly disabledUntil = new Map<string, number>();
  private readonly o: Required<
    Pick<
      ModelAnalyzerOptions,
      | "maxBatchSize"
      | "concurrency"
      | "maxInputTokens"
      | "maxRetries"
      | "retryBaseDelayMs"
      | "retryMaxDelayMs"
      | "maxRetryAfterMs"
      | "invalidReplyRetries"
      | "authFailureCooldownMs"
      | "sleep"
      | "now"
    >
  >;

  constructor(private readonly options: ModelAnalyzerOptions) {
    this.counter = analysisRequestsCounter(options.registry);
    this.redactor = options.redactor ?? createRedactor();
    this.o = {
      maxBatchSize: options.maxBatchSize ?? 5,
      concurrency: Math.max(1, options.concurrency ?? 2),
      maxInputTokens: options.maxInputTokens ?? 12_000,
      maxRetries: options.maxRetries ?? 2,
      retryBaseDelayMs: options.retryBaseDelayMs ?? 500,
      retryMaxDelayMs: options.retryMaxDelayMs ?? 8_000,
      maxRetryAfterMs: options.maxRetryAfterMs ?? 30_000,
      invalidReplyRetries: options.invalidReplyRetries ?? 1,
      authFailureCooldownMs: options.authFailureCooldownMs ?? 600_000,
      sleep: options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms))),
      now: options.now ?? Date.now,
    };
  }

  async analyze(items: AnalysisRequest[], { signal, onModelUnavailable }: AnalyzeOptions = {}): Promise<Analysis[]> {
    const out: Array<Analysis | undefined> = new Array(items.length);
    const templates = new Map<string, Analysis>();
    const unavailable = new Set<string>();
    const seen = new Set<string>();
    const pending: number[] = [];
    for (const [i, item] of items.entries()) {
      if (seen.has(item.fingerprint)) continue;
      seen.add(item.fingerprint);
      const cached = await this.cacheGet(item.fingerprint);
      if (cached) {
        templates.set(item.fingerprint, cached);
        this.count(cached.source, "cached");
      } else pending.push(i);
    }

    const granted = this.options.budget ? this.options.budget.take(pending.length) : pending.length;
    if (granted < pending.length) {
      this.options.logger?.info(
        { analysed: granted, overBudget: pending.length - granted },
        "analysis budget (DRIFT_ANALYSIS_MAX_PER_HOUR) reached; rules for the rest",
      );
    }
    for (const i of pending.slice(granted)) out[i] = this.rules(items[i], "budget");

    const toModel = pending.slice(0, granted);
    const batches = planBatches(
      toModel.map((i) => items[i]),
      this.o.maxBatchSize,
    ).map((batch) => batch.map((k) => toModel[k]));
    // a few requests at a time: a first detection with many drifts should not wait one round trip per batch
    let next = 0;
    const worker = async () => {
      while (next < batches.length) {
        const indexes = batches[next++];
        const { answered, transient } = await this.runBatch(
          indexes.map((i) => items[i]),
          signal,
        );
        for (const [k, i] of indexes.entries()) {
          const template = answered[k];
          if (!template) {
            out[i] = this.rules(items[i], "fallback");
            if (transient) unavailable.add(items[i].fingerprint);
            continue;
          }
          templates.set(items[i].fingerprint, template);
          await this.cachePut(items[i].fingerprint, template);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.o.concurrency, batches.length) }, worker));
    if (unavailable.size > 0) {
      onModelUnavailable?.(items.flatMap((item, i) => (unavailable.has(item.fingerprint) ? [i] : [])));
    }

    return items.map((item, i) => {
      const template = templates.get(item.fingerprint);
      if (template) return { ...template, commands: resolveCommands(template.commands, item.context?.driftId) };
      return out[i] ?? analyzeWithRules(item, this.redactor);
    });
  }

  /**
   * One request for related drifts; the template analyses (commands unresolved) by position, or undefined, and
   * whether the last provider tried failed for a reason that passes (rate limit, overload, timeout, network).
   */
  private async runBatch(
    batch: AnalysisRequest[],
    signal?: AbortSignal,
  ): Promise<{ answered: Array<Analysis | undefined>; transient: boolean }> {
    let transient = false;
    const perItem = Math.floor(this.o.maxInputTokens / batch.length);
    const data = batch.map((req, k) => buildItemData(req, `d${k + 1}`, perItem, this.redactor));
    const prompt = buildPrompt(data);
    for (const provider of this.options.providers) {
      if ((this.disabledUntil.get(provider.name) ?? 0) > this.o.now()) continue;
      if (signal?.aborted) break;
      const replies = await this.callWithRetries(provider, prompt, signal);
      transient = replies === "transient";
      if (!replies || replies === "transient") continue;
      const byId = new Map(replies.map((r) => [r.id, r]));
      const answered = batch.map((req, k) => {
        const reply = byId.get(prompt.ids[k]);
        return reply && this.toTemplate(reply, provider, req);
      });
      return { answered, transient: false };
    }
    return { answered: batch.map(() => undefined), transient: transient && !signal?.aborted };
  }

  private async callWithRetries(
    provider: ModelProvider,
    prompt: Prompt,
    signal?: AbortSignal,
  ): Promise<ReplyItem[] | "transient" | undefined> {
    let retries = 0;
    let invalid = 0;
    for (;;) {
      try {
        const raw = await provider.complete(prompt, signal);
        const parsed = replySchema.safeParse(raw);
        if (!parsed.success) {
          throw new ProviderError(
            "invalid_reply",
            `reply does not match the schema: ${parsed.error.issues[0]?.message}`,
          );
        }
        if (!parsed.data.analyses.some((a) => prompt.ids.includes(a.id))) {
          throw new ProviderError("invalid_reply", "reply answers none of the item ids");
        }
        this.count(provider.name, "success");
        return parsed.data.analyses;
      } catch (err) {
        // Shutting down: not the provider's failure, and nothing to retry.
        if (signal?.aborted) return undefined;
        const e = err instanceof ProviderError ? err : new ProviderError("invalid_reply", String(err));
        this.count(provider.name, e.kind);
        const giveUp = (why: string, transient = false) => {
          this.options.logger?.warn(
            { provider: provider.name, model: provider.model, kind: e.kind, error: this.redactor.text(e.message) },
            `analysis failed (${why}); falling back`,
          );
          return transient ? ("transient" as const) : undefined;
        };
        if (e.kind === "invalid_reply") {
          if (invalid++ < this.o.invalidReplyRetries) continue;
          return giveUp("reply invalid after a retry");
        }
        if (e.kind === "auth_error") {
          this.disabledUntil.set(provider.name, this.o.now() + this.o.authFailureCooldownMs);
          return giveUp(
            `credentials rejected; ${provider.name} paused for ${Math.round(this.o.authFailureCooldownMs / 1000)}s`,
          );
        }
        if (!e.retryable) return giveUp("not retryable");
        if (e.kind === "timeout" && provider.retriesTimeouts === false) return giveUp("timed out", true);
        if (retries >= this.o.maxRetries) return giveUp(`no retries left after ${retries}`, true);
        const backoff = Math.min(this.o.retryMaxDelayMs, this.o.retryBaseDelayMs * 2 ** retries);
        const delay = e.retryAfterMs ?? backoff * (1 - Math.random() * 0.25);
        if (delay > this.o.maxRetryAfterMs) return giveUp(`server asks to wait ${Math.round(delay / 1000)}s`, true);
        retries++;
        await untilAborted(this.o.sleep(delay), signal);
        if (signal?.aborted) return undefined;
      }
    }
  }

  private toTemplate(r: ReplyItem, provider: ModelProvider, req: AnalysisRequest): Analysis {
    const t = (s: string, max: number) => clip(this.redactor.text(s.trim()), max);
    let level: RiskLevel = r.risk.level;
    if (RISK_FLOOR_CLASSES.has(classify(req.result).main)) {
      const floor = analyzeWithRules(req, this.redactor).risk.level;
      if (RISK_LEVELS.indexOf(floor) < RISK_LEVELS.indexOf(level)) level = floor;
    }
    return {
      summary: t(r.summary, 400),
      likelyCause: t(r.likelyCause, 1000),
      risk: { level, why: t(r.risk.why, 1000) },
      recommendation: {
        action: floorAction(req, r.recommendation.action),
        rationale: t(r.recommendation.rationale, 1000),
      },
      commands: r.commands
        .map((c) => c.trim())
        .filter(isSafeCommand)
        .slice(0, 6),
      confidence: Math.min(1, Math.max(0, r.confidence)),
      source: provider.name,
      model: provider.model,
      fingerprint: req.fingerprint,
    };
  }

  private rules(req: AnalysisRequest, outcome: "fallback" | "budget"): Analysis {
    this.count("rules", outcome);
    return analyzeWithRules(req, this.redactor);
  }

  private count(provider: string, outcome: string): void {
    this.counter.inc({ provider, outcome });
  }

  private async cacheGet(fingerprint: string): Promise<Analysis | undefined> {
    try {
      return await this.options.cache?.get(fingerprint);
    } catch (err) {
      this.options.logger?.warn({ error: (err as Error).message }, "analysis cache read failed");
      return undefined;
    }
  }

  private async cachePut(fingerprint: string, analysis: Analysis): Promise<void> {
    try {
      await this.options.cache?.set(fingerprint, analysis);
    } catch (err) {
      this.options.logger?.warn({ error: (err as Error).message }, "analysis cache write failed");
    }
  }
}

/** Privilege drift (RBAC, securityContext, host access, service account) is never to be ignored or accepted unseen. */
function floorAction(req: AnalysisRequest, action: Analysis["recommendation"]["action"]) {
  const all = classify(req.result).all;
  const privileged = all.includes("privilege-escalation") || all.includes("rbac-widening");
  return privileged && (action === "ignore" || action === "accept") ? "investigate" : action;
}

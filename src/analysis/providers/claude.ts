// Claude through the official SDK. Structured output: one strict tool whose input is the reply; the tool is forced
// where the model allows it (Sonnet 5.5 rejects forced tool use, so it gets tool_choice auto and the system prompt's
// instruction). Retries live in the analyzer, in one place, so the SDK's own are off (maxRetries 0).
// The SDK is loaded on the first request (about 20 MB resident): a service with nothing drifted never pays for it.
import type Anthropic from "@anthropic-ai/sdk";
import type { Message, MessageCreateParamsNonStreaming, ToolChoice } from "@anthropic-ai/sdk/resources/messages";
import type { Logger } from "pino";
import { type Prompt, TOOL_DESCRIPTION, TOOL_NAME, toolInputSchema } from "../prompt.js";
import type { Redactor } from "../redact.js";
import { kindOfStatus, type ModelProvider, ProviderError, parseRetryAfter } from "./provider.js";

/** The newest Sonnet-class model in the SDK's model list at the time of writing. */
export const DEFAULT_CLAUDE_MODEL = "claude-sonnet-5-5";

// Models that answer a forced tool_choice with 400 (adaptive thinking always on, or forced tools dropped). They
// think by default at high effort; drift analysis needs less, so they are asked for medium effort (cost, latency).
const NO_FORCED_TOOL = /^claude-(sonnet|opus)-5-5|^claude-fable-5-[12]/;

export interface ClaudeProviderOptions {
  apiKey: string;
  model?: string;
  /** ANTHROPIC_BASE_URL; Anthropic's own when unset. */
  baseURL?: string;
  /** Per request. */
  timeoutMs?: number;
  /** Output budget per item in a batch (thinking included on models that think by default). */
  maxTokensPerItem?: number;
  logger?: Logger;
  /** CLAUDE_DEBUG_LOGGING: requests and responses at debug level, redacted. */
  debugLogging?: boolean;
  redactor: Redactor;
}

export class ClaudeProvider implements ModelProvider {
  readonly name = "claude" as const;
  readonly model: string;
  private client: Promise<{ sdk: Sdk; client: Anthropic }> | undefined;
  private forceTool: boolean;
  private sendEffort: boolean;

  constructor(private readonly options: ClaudeProviderOptions) {
    this.model = options.model ?? DEFAULT_CLAUDE_MODEL;
    this.forceTool = !NO_FORCED_TOOL.test(this.model);
    this.sendEffort = !this.forceTool;
  }

  private connect(): Promise<{ sdk: Sdk; client: Anthropic }> {
    this.client ??= import("@anthropic-ai/sdk").then((sdk) => ({ sdk, client: this.newClient(sdk) }));
    return this.client;
  }

  private newClient(sdk: Sdk): Anthropic {
    const options = this.options;
    const sdkLogger = options.logger?.child({ component: "anthropic-sdk" });
    return new sdk.default({
      apiKey: options.apiKey,
      baseURL: options.baseURL || "https://api.anthropic.com",
      timeout: options.timeoutMs ?? 60_000,
      maxRetries: 0,
      // explicit, so that ANTHROPIC_LOG=debug cannot make the SDK print request details of its own
      logLevel: "warn",
      logger: sdkLogger && {
        error: (msg: string) => sdkLogger.error(options.redactor.text(String(msg))),
        warn: (msg: string) => sdkLogger.warn(options.redactor.text(String(msg))),
        info: () => {},
        debug: () => {},
      },
    });
  }

  private request(prompt: Prompt): MessageCreateParamsNonStreaming {
    const toolChoice: ToolChoice = this.forceTool
      ? { type: "tool", name: TOOL_NAME, disable_parallel_tool_use: true }
      : { type: "auto", disable_parallel_tool_use: true };
    return {
      model: this.model,
      // room for thinking on models that think by default
      max_tokens: Math.min(32_000, 4096 + (this.options.maxTokensPerItem ?? 1024) * prompt.ids.length),
      system: prompt.system,
      messages: [{ role: "user", content: prompt.user }],
      tools: [{ name: TOOL_NAME, description: TOOL_DESCRIPTION, input_schema: toolInputSchema, strict: true }],
      tool_choice: toolChoice,
      ...(this.sendEffort ? { output_config: { effort: "medium" as const } } : {}),
    };
  }

  async complete(prompt: Prompt, signal?: AbortSignal): Promise<unknown> {
    const body = this.request(prompt);
    this.debug("analysis request", { request: body });
    const { sdk, client } = await this.connect();
    let message: Message;
    try {
      message = await client.messages.create(body, { signal });
    } catch (err) {
      const failure = classify(sdk, err);
      // a model that refuses forced tool use or the effort setting: adapt once and ask again
      if (failure.kind === "bad_request" && this.forceTool && /tool_choice/i.test(failure.message)) {
        this.forceTool = false;
        this.options.logger?.info({ model: this.model }, "model rejects forced tool use; using tool_choice auto");
        return this.complete(prompt, signal);
      }
      if (failure.kind === "bad_request" && this.sendEffort && /effort|output_config/i.test(failure.message)) {
        this.sendEffort = false;
        this.options.logger?.info({ model: this.model }, "model rejects output_config.effort; sending none");
        return this.complete(prompt, signal);
      }
      this.debug("analysis request failed", { kind: failure.kind, error: failure.message });
      throw failure;
    }
    this.debug("analysis response", {
      response: { id: message.id, stop_reason: message.stop_reason, content: message.content, usage: message.usage },
    });
    const toolUse = message.content.find((block) => block.type === "tool_use" && block.name === TOOL_NAME);
    if (toolUse?.type !== "tool_use") {
      throw new ProviderError(
        "invalid_reply",
        `no ${TOOL_NAME} call in the reply (stop_reason ${message.stop_reason})`,
      );
    }
    return toolUse.input;
  }

  private debug(msg: string, fields: Record<string, unknown>): void {
    if (!this.options.debugLogging || !this.options.logger?.isLevelEnabled("debug")) return;
    const redacted = this.options.redactor.value(fields) as Record<string, unknown>;
    this.options.logger.debug({ provider: "claude", model: this.model, ...redacted }, msg);
  }
}

type Sdk = typeof import("@anthropic-ai/sdk");

function classify(sdk: Sdk, err: unknown): ProviderError {
  const { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } = sdk;
  if (err instanceof ProviderError) return err;
  if (err instanceof APIConnectionTimeoutError) return new ProviderError("timeout", "request timed out");
  if (err instanceof APIUserAbortError) return new ProviderError("timeout", "request aborted");
  if (err instanceof APIConnectionError) return new ProviderError("connection_error", err.message);
  if (err instanceof APIError && typeof err.status === "number") {
    return new ProviderError(kindOfStatus(err.status), `${err.status} ${err.message}`, parseRetryAfter(err.headers));
  }
  // a body that is not JSON, or any other surprise from the SDK: a reply we cannot use
  return new ProviderError("invalid_reply", err instanceof Error ? err.message : String(err));
}

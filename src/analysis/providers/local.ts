// A local model (DRIFT_LLM_URL), as the seed's global-app runs Ollama: Ollama's /api/chat with a JSON-schema
// `format`, or any OpenAI-compatible /v1/chat/completions with response_format json_schema. Same prompt, same
// schema, same validation as Claude.
import type { Logger } from "pino";
import { type Prompt, TOOL_NAME, toolInputSchema } from "../prompt.js";
import type { Redactor } from "../redact.js";
import { kindOfStatus, type ModelProvider, ProviderError, parseRetryAfter } from "./provider.js";

export interface LocalProviderOptions {
  url: string;
  model?: string;
  /** Optional bearer token for OpenAI-compatible gateways. */
  apiKey?: string;
  timeoutMs?: number;
  logger?: Logger;
  debugLogging?: boolean;
  redactor: Redactor;
  fetch?: typeof fetch;
}

type Flavour = "ollama" | "openai";

/** Where to POST and in which dialect, from the URL the operator gave. */
export function localEndpoint(raw: string): { url: string; flavour: Flavour } {
  const u = new URL(raw);
  const path = u.pathname.replace(/\/+$/, "");
  if (path.endsWith("/api/chat")) return { url: u.toString(), flavour: "ollama" };
  if (path.endsWith("/chat/completions")) return { url: u.toString(), flavour: "openai" };
  if (u.port === "11434" && path === "") return { url: new URL("/api/chat", u).toString(), flavour: "ollama" };
  u.pathname = `${path.endsWith("/v1") ? path : `${path}/v1`}/chat/completions`;
  return { url: u.toString(), flavour: "openai" };
}

/** JSON from a model's text: as is, or inside a ```json fence that small models like to add. */
export function jsonFromText(text: string): unknown {
  const fenced = /```(?:json)?\s*([\s\S]*?)```/.exec(text);
  return JSON.parse((fenced ? fenced[1] : text).trim());
}

export class LocalModelProvider implements ModelProvider {
  readonly name = "local" as const;
  readonly model: string;
  private readonly endpoint: { url: string; flavour: Flavour };

  constructor(private readonly options: LocalProviderOptions) {
    this.model = options.model ?? "llama3.1";
    this.endpoint = localEndpoint(options.url);
  }

  private body(prompt: Prompt): Record<string, unknown> {
    const messages = [
      { role: "system", content: `${prompt.system}\n\nAnswer with the JSON object only (the input of ${TOOL_NAME}).` },
      { role: "user", content: prompt.user },
    ];
    if (this.endpoint.flavour === "ollama") {
      return { model: this.model, messages, stream: false, format: toolInputSchema, options: { temperature: 0 } };
    }
    return {
      model: this.model,
      messages,
      temperature: 0,
      response_format: { type: "json_schema", json_schema: { name: TOOL_NAME, schema: toolInputSchema, strict: true } },
    };
  }

  async complete(prompt: Prompt): Promise<unknown> {
    const body = this.body(prompt);
    this.debug("analysis request", { request: body });
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (this.options.apiKey) headers.authorization = `Bearer ${this.options.apiKey}`;
    let res: Response;
    try {
      res = await (this.options.fetch ?? fetch)(this.endpoint.url, {
        method: "POST",
        headers,
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 120_000),
      });
    } catch (err) {
      const name = (err as Error).name;
      if (name === "TimeoutError" || name === "AbortError") throw new ProviderError("timeout", "request timed out");
      throw new ProviderError("connection_error", this.options.redactor.text((err as Error).message));
    }
    const text = await res.text().catch(() => "");
    this.debug("analysis response", { status: res.status, response: text.slice(0, 20_000) });
    if (!res.ok) {
      throw new ProviderError(
        kindOfStatus(res.status),
        `${res.status} from ${this.endpoint.url}`,
        parseRetryAfter(res.headers),
      );
    }
    try {
      const parsed = JSON.parse(text) as {
        message?: { content?: string };
        choices?: Array<{ message?: { content?: string } }>;
      };
      const content =
        this.endpoint.flavour === "ollama" ? parsed.message?.content : parsed.choices?.[0]?.message?.content;
      if (typeof content !== "string") throw new Error("no message content");
      return jsonFromText(content);
    } catch (err) {
      throw new ProviderError("invalid_reply", (err as Error).message);
    }
  }

  private debug(msg: string, fields: Record<string, unknown>): void {
    if (!this.options.debugLogging || !this.options.logger?.isLevelEnabled("debug")) return;
    const redacted = this.options.redactor.value(fields) as Record<string, unknown>;
    this.options.logger.debug({ provider: "local", model: this.model, ...redacted }, msg);
  }
}

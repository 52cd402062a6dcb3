// A local model (DRIFT_LLM_URL), as the seed's global-app runs Ollama: Ollama's /api/chat with a JSON-schema
// `format`, or any OpenAI-compatible /v1/chat/completions (llama.cpp, vLLM, LM Studio, Ollama's /v1, gateways) with
// response_format json_schema. Same prompt, same schema, same validation as Claude; retries live in the analyzer.
import type { Logger } from "pino";
import { type Prompt, TOOL_NAME, toolInputSchema } from "../prompt.js";
import type { Redactor } from "../redact.js";
import { asReply, jsonFromText, tryParse } from "./local-reply.js";
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

/**
 * `user:password@` taken out of the URL (fetch refuses URLs with credentials) and turned into basic auth, as curl
 * and the Ollama clients do for a proxy that wants it.
 */
export function splitCredentials(raw: string): { url: string; authorization?: string } {
  const u = new URL(raw);
  if (!u.username && !u.password) return { url: raw };
  const user = decodeURIComponent(u.username);
  const password = decodeURIComponent(u.password);
  u.username = "";
  u.password = "";
  return { url: u.toString(), authorization: `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}` };
}

/** The error text a server put in its body: Ollama {error: "..."}, OpenAI {error: {message}}, vLLM {message}. */
function serverMessage(text: string): string | undefined {
  const parsed = tryParse(text);
  if (parsed.ok && parsed.value && typeof parsed.value === "object") {
    const v = parsed.value as { error?: unknown; message?: unknown; detail?: unknown };
    if (typeof v.error === "string") return v.error;
    const nested = (v.error as { message?: unknown } | undefined)?.message;
    if (typeof nested === "string") return nested;
    if (typeof v.message === "string") return v.message;
    if (typeof v.detail === "string") return v.detail;
    return undefined;
  }
  const plain = text.replace(/\s+/g, " ").trim();
  return plain && !plain.startsWith("<") ? plain : undefined;
}

/**
 * The reply schema as sent to local servers: enums get their `type` too. Grammar builders (llama.cpp's
 * json-schema-to-grammar, which Ollama and llama-server use, vLLM's guided decoding) and OpenAI's strict mode all
 * document enum next to a type; the constraint is the same.
 */
export const localReplySchema = withEnumTypes(toolInputSchema) as typeof toolInputSchema;

function withEnumTypes(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withEnumTypes);
  if (!node || typeof node !== "object") return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) out[k] = withEnumTypes(v);
  const values = out.enum;
  if (Array.isArray(values) && out.type === undefined && values.every((v) => typeof v === "string")) {
    return { type: "string", ...out };
  }
  return out;
}

const clip = (s: string, max: number) => (s.length > max ? `${s.slice(0, max - 1)}…` : s);

// Ollama's default context window (OLLAMA_CONTEXT_LENGTH; 2048 or 4096 tokens in many versions) silently cuts a
// long prompt from the front, system prompt first. Ask for enough: the prompt at ~3 characters a token plus room
// for the answer, as a power of two so that similar requests share one loaded model (another num_ctx reloads it).
// Ollama caps it at the model's trained context.
export function ollamaContextTokens(prompt: Prompt): number {
  const needed = Math.ceil((prompt.system.length + prompt.user.length) / 3) + 600 * prompt.ids.length + 1024;
  let size = 8192;
  while (size < needed && size < 65_536) size *= 2;
  return size;
}

export class LocalModelProvider implements ModelProvider {
  readonly name = "local" as const;
  // A local model too slow once is as slow on a retry: each would hold an analysis worker for the whole timeout.
  readonly retriesTimeouts = false;
  readonly model: string;
  private readonly endpoint: { url: string; flavour: Flavour };
  private readonly authorization: string | undefined;
  /** The endpoint for messages: no credentials, no query (a gateway key may sit there). */
  private readonly where: string;

  constructor(private readonly options: LocalProviderOptions) {
    this.model = options.model ?? "llama3.1";
    const { url, authorization } = splitCredentials(options.url);
    this.endpoint = localEndpoint(url);
    this.authorization = options.apiKey ? `Bearer ${options.apiKey}` : authorization;
    const u = new URL(this.endpoint.url);
    this.where = `${u.origin}${u.pathname}`;
  }

  private body(prompt: Prompt): Record<string, unknown> {
    const messages = [
      { role: "system", content: `${prompt.system}\n\nAnswer with the JSON object only (the input of ${TOOL_NAME}).` },
      { role: "user", content: prompt.user },
    ];
    if (this.endpoint.flavour === "ollama") {
      return {
        model: this.model,
        messages,
        stream: false,
        format: localReplySchema,
        options: { temperature: 0, num_ctx: ollamaContextTokens(prompt) },
      };
    }
    return {
      model: this.model,
      messages,
      temperature: 0,
      response_format: {
        type: "json_schema",
        json_schema: { name: TOOL_NAME, schema: localReplySchema, strict: true },
      },
    };
  }

  async complete(prompt: Prompt, signal?: AbortSignal): Promise<unknown> {
    const body = this.body(prompt);
    this.debug("analysis request", { request: body });
    const headers: Record<string, string> = { "content-type": "application/json", accept: "application/json" };
    if (this.authorization) headers.authorization = this.authorization;
    const timeoutMs = this.options.timeoutMs ?? 120_000;
    const timedOut = () => new ProviderError("timeout", `no reply from ${this.where} within ${timeoutMs / 1000}s`);
    let res: Response;
    let text: string;
    try {
      // the signal covers the body too: a server that sends headers and then stalls is a timeout as well
      res = await (this.options.fetch ?? fetch)(this.endpoint.url, {
        method: "POST",
        headers,
        body: JSON.stringify(body),
        signal: signal ? AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]) : AbortSignal.timeout(timeoutMs),
      });
      text = await res.text();
    } catch (err) {
      const e = err as Error & { cause?: { code?: string; message?: string } };
      if (e.name === "TimeoutError" || e.name === "AbortError") throw timedOut();
      const why = e.cause?.code ?? e.cause?.message ?? e.message;
      throw new ProviderError("connection_error", this.options.redactor.text(`cannot reach ${this.where}: ${why}`));
    }
    this.debug("analysis response", { status: res.status, response: text.slice(0, 20_000) });
    if (!res.ok) {
      const said = serverMessage(text);
      throw new ProviderError(
        kindOfStatus(res.status),
        this.options.redactor.text(`${res.status} from ${this.where}${said ? `: ${clip(said, 300)}` : ""}`),
        parseRetryAfter(res.headers),
      );
    }
    return this.reply(text);
  }

  /** The candidate reply from a 200 body in the endpoint's dialect. */
  private reply(text: string): unknown {
    const envelope = tryParse(text);
    if (!envelope.ok || !envelope.value || typeof envelope.value !== "object") {
      throw new ProviderError("invalid_reply", `reply is not a JSON ${this.endpoint.flavour} chat response`);
    }
    const parsed = envelope.value as {
      message?: { content?: unknown };
      done_reason?: string;
      choices?: Array<{ message?: { content?: unknown; refusal?: unknown }; finish_reason?: string }>;
    };
    const ollama = this.endpoint.flavour === "ollama";
    const choice = parsed.choices?.[0];
    const content = ollama ? parsed.message?.content : choice?.message?.content;
    const finish = ollama ? parsed.done_reason : choice?.finish_reason;
    const reason = finish && finish !== "stop" ? ` (finish reason: ${finish})` : "";
    if (typeof content !== "string" || content.trim() === "") {
      const refusal = choice?.message?.refusal;
      throw new ProviderError(
        "invalid_reply",
        typeof refusal === "string" ? `model refused: ${clip(refusal, 200)}` : `reply has no message content${reason}`,
      );
    }
    try {
      return asReply(jsonFromText(content));
    } catch (err) {
      throw new ProviderError("invalid_reply", `${(err as Error).message}${reason}`);
    }
  }

  private debug(msg: string, fields: Record<string, unknown>): void {
    if (!this.options.debugLogging || !this.options.logger?.isLevelEnabled("debug")) return;
    const redacted = this.options.redactor.value(fields) as Record<string, unknown>;
    this.options.logger.debug({ provider: "local", model: this.model, ...redacted }, msg);
  }
}

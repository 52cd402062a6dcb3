// A local HTTP server on 127.0.0.1 that speaks the two dialects of a local model server, for tests of DRIFT_LLM_URL
// (there is no Ollama here): Ollama's POST /api/chat and the OpenAI-compatible POST /v1/chat/completions (llama.cpp,
// vLLM, LM Studio, Ollama's own /v1). It checks requests as those servers do (model known, messages well formed,
// `format` / `response_format` well formed, strict schemas closed, bearer key when one is configured), streams when
// the client did not ask otherwise (as the real servers default to), and records every request. Replies come from a
// queue (enqueue), or by default a valid analysis for every drift item id found in the request's data block.
import type { IncomingHttpHeaders, ServerResponse } from "node:http";
import { analysesFor } from "./fake-anthropic.js";
import { driftDataIds, replyQueue, serveLocally, stillThereAfter } from "./fake-server.js";

export type Dialect = "ollama" | "openai";

export interface LocalRequest {
  method: string;
  url: string;
  dialect: Dialect | undefined;
  headers: IncomingHttpHeaders;
  rawBody: string;
  // biome-ignore lint/suspicious/noExplicitAny: the request body is whatever the client sent
  body: any;
}

export interface LocalReply {
  /** The assistant's text, wrapped in the dialect's reply envelope. */
  content?: string | null;
  /** Dialect-shaped error with this message (with `status`, default 500). */
  error?: string;
  /** Sent as is (an object as JSON, a string verbatim) instead of an envelope. */
  raw?: unknown;
  status?: number;
  headers?: Record<string, string>;
  /** OpenAI finish_reason / Ollama done_reason. */
  finishReason?: string;
  /** Wait this long before answering at all. */
  delayMs?: number;
  /** Send the status line and headers, then wait this long before the body. */
  stallBodyMs?: number;
}

export type LocalHandler = (req: LocalRequest) => LocalReply | Promise<LocalReply>;

export interface FakeLocalModelOptions {
  /** Models the server has; another name gets 404 as from the real servers. */
  models?: string[];
  /** When set, requests must carry `Authorization: Bearer <apiKey>` (a gateway, Ollama's cloud, vLLM --api-key). */
  apiKey?: string;
  handler?: LocalHandler;
}

export interface FakeLocalModel {
  /** http://127.0.0.1:PORT */
  url: string;
  requests: LocalRequest[];
  enqueue(...replies: Array<LocalReply | LocalHandler>): void;
  close(): Promise<void>;
}

/** The drift item ids in the <drift_data> block of a request's user message. */
export function localItemIds(req: LocalRequest): string[] {
  const messages: Array<{ role?: string; content?: unknown }> = req.body?.messages ?? [];
  return driftDataIds(messages.find((m) => m.role === "user")?.content);
}

/** A reply whose text is a valid analysis of every item in the request, in the shape `wrap` gives it. */
export function answerAll(wrap: (json: string) => string = (j) => j, overrides: Record<string, unknown> = {}) {
  return (req: LocalRequest): LocalReply => ({
    content: wrap(JSON.stringify(analysesFor(localItemIds(req), overrides))),
  });
}

const defaultHandler: LocalHandler = answerAll();

const ROLES = new Set(["system", "user", "assistant", "tool"]);
const SCHEMA_NAME = /^[a-zA-Z0-9_-]{1,64}$/;
let seq = 0;

class BadRequest extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** OpenAI's strict-mode rules: every object closed (additionalProperties false) and every property required. */
function strictSchemaProblem(schema: unknown, path = "root"): string | undefined {
  if (!schema || typeof schema !== "object") return undefined;
  const s = schema as Record<string, unknown>;
  if (s.type === "object" || s.properties) {
    if (s.additionalProperties !== false) {
      return `In context=(${path}), 'additionalProperties' is required to be supplied and to be false.`;
    }
    const props = Object.keys((s.properties as object) ?? {});
    const required = new Set((s.required as string[]) ?? []);
    const missing = props.filter((p) => !required.has(p));
    if (missing.length) {
      return `In context=(${path}), 'required' is required to be supplied and to be an array including every key in properties. Missing '${missing[0]}'.`;
    }
    for (const p of props) {
      const problem = strictSchemaProblem((s.properties as Record<string, unknown>)[p], `${path}, properties, ${p}`);
      if (problem) return problem;
    }
  }
  if (s.items) return strictSchemaProblem(s.items, `${path}, items`);
  return undefined;
}

function checkMessages(messages: unknown): void {
  if (!Array.isArray(messages) || messages.length === 0)
    throw new BadRequest(400, "messages must be a non-empty array");
  for (const m of messages) {
    if (!m || typeof m !== "object" || !ROLES.has((m as { role?: string }).role ?? "")) {
      throw new BadRequest(400, `invalid message role: ${JSON.stringify((m as { role?: unknown })?.role)}`);
    }
    if (typeof (m as { content?: unknown }).content !== "string") {
      throw new BadRequest(400, "message content must be a string");
    }
  }
}

function checkOllama(body: Record<string, unknown>): void {
  checkMessages(body.messages);
  const format = body.format;
  if (format !== undefined && format !== "" && format !== "json") {
    if (!format || typeof format !== "object" || Array.isArray(format) || !("type" in format)) {
      throw new BadRequest(400, `invalid format: ${JSON.stringify(format)}; expected "json" or a JSON schema`);
    }
  }
  if (body.options !== undefined && (typeof body.options !== "object" || body.options === null)) {
    throw new BadRequest(400, "options must be an object");
  }
}

function checkOpenAI(body: Record<string, unknown>): void {
  checkMessages(body.messages);
  const t = body.temperature;
  if (t !== undefined && (typeof t !== "number" || t < 0 || t > 2)) {
    throw new BadRequest(400, `temperature must be between 0 and 2, got ${JSON.stringify(t)}`);
  }
  const rf = body.response_format as { type?: string; json_schema?: Record<string, unknown> } | undefined;
  if (rf === undefined) return;
  if (!["text", "json_object", "json_schema"].includes(rf.type ?? "")) {
    throw new BadRequest(400, `response_format.type must be text, json_object or json_schema, got ${rf.type}`);
  }
  if (rf.type !== "json_schema") return;
  const js = rf.json_schema;
  if (!js || typeof js.name !== "string" || !SCHEMA_NAME.test(js.name)) {
    throw new BadRequest(400, "response_format.json_schema.name must match ^[a-zA-Z0-9_-]{1,64}$");
  }
  if (!js.schema || typeof js.schema !== "object") {
    throw new BadRequest(400, "response_format.json_schema.schema must be a JSON schema object");
  }
  if (js.strict === true) {
    const problem = strictSchemaProblem(js.schema);
    if (problem) throw new BadRequest(400, `Invalid schema for response_format '${js.name}': ${problem}`);
  }
}

function errorBody(dialect: Dialect | undefined, status: number, message: string): unknown {
  if (dialect === "ollama") return { error: message };
  const type = status === 429 ? "rate_limit_error" : status < 500 ? "invalid_request_error" : "server_error";
  return { error: { message, type, param: null, code: status } };
}

function okBody(dialect: Dialect, model: string, content: string | null, finishReason?: string): unknown {
  seq++;
  if (dialect === "ollama") {
    return {
      model,
      created_at: new Date().toISOString(),
      message: { role: "assistant", content: content ?? "" },
      done_reason: finishReason ?? "stop",
      done: true,
      total_duration: 1_500_000_000,
      load_duration: 50_000_000,
      prompt_eval_count: 900,
      prompt_eval_duration: 400_000_000,
      eval_count: 120,
      eval_duration: 1_000_000_000,
    };
  }
  return {
    id: `chatcmpl-fake${seq}`,
    object: "chat.completion",
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [
      {
        index: 0,
        message: { role: "assistant", content, refusal: null },
        logprobs: null,
        finish_reason: finishReason ?? "stop",
      },
    ],
    usage: { prompt_tokens: 900, completion_tokens: 120, total_tokens: 1020 },
  };
}

/** As the real servers do when `stream` is not false (Ollama) or true (OpenAI): NDJSON or SSE chunks. */
function sendStream(res: ServerResponse, dialect: Dialect, model: string, content: string): void {
  const pieces = content.match(/[\s\S]{1,16}/g) ?? [];
  if (dialect === "ollama") {
    res.writeHead(200, { "content-type": "application/x-ndjson" });
    for (const p of pieces) {
      res.write(
        `${JSON.stringify({ model, created_at: new Date().toISOString(), message: { role: "assistant", content: p }, done: false })}\n`,
      );
    }
    res.end(
      `${JSON.stringify({ model, message: { role: "assistant", content: "" }, done: true, done_reason: "stop" })}\n`,
    );
    return;
  }
  res.writeHead(200, { "content-type": "text/event-stream" });
  for (const p of pieces) {
    const chunk = {
      id: "chatcmpl-s",
      object: "chat.completion.chunk",
      model,
      choices: [{ index: 0, delta: { content: p }, finish_reason: null }],
    };
    res.write(`data: ${JSON.stringify(chunk)}\n\n`);
  }
  res.end("data: [DONE]\n\n");
}

export async function startFakeLocalModel(options: FakeLocalModelOptions = {}): Promise<FakeLocalModel> {
  const models = new Set(options.models ?? ["llama3.1", "qwen2.5:7b-instruct"]);
  const handler = options.handler ?? defaultHandler;
  const requests: LocalRequest[] = [];
  const replies = replyQueue<LocalRequest, LocalReply>(handler);

  const server = await serveLocally(async (req, res, rawBody) => {
    const path = (req.url ?? "").split("?")[0];
    const dialect: Dialect | undefined =
      path === "/api/chat" ? "ollama" : path === "/v1/chat/completions" ? "openai" : undefined;
    const recorded: LocalRequest = {
      method: req.method ?? "",
      url: req.url ?? "",
      dialect,
      headers: req.headers,
      rawBody,
      body: undefined,
    };
    requests.push(recorded);
    const fail = (status: number, message: string) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(errorBody(dialect, status, message)));
    };
    if (!dialect) {
      res.writeHead(404, { "content-type": "text/plain" });
      res.end("404 page not found");
      return;
    }
    if (req.method !== "POST") return fail(405, "method not allowed");
    if (options.apiKey !== undefined && req.headers.authorization !== `Bearer ${options.apiKey}`) {
      return fail(401, dialect === "ollama" ? "unauthorized" : "Incorrect API key provided.");
    }
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(rawBody);
      recorded.body = body;
    } catch (err) {
      return fail(400, `invalid request body: ${(err as Error).message}`);
    }
    const model = body.model;
    if (typeof model !== "string" || model === "") return fail(400, "model is required");
    if (!models.has(model)) {
      return fail(
        404,
        dialect === "ollama"
          ? `model "${model}" not found, try pulling it first`
          : `The model \`${model}\` does not exist.`,
      );
    }
    try {
      if (dialect === "ollama") checkOllama(body);
      else checkOpenAI(body);
    } catch (err) {
      if (err instanceof BadRequest) return fail(err.status, err.message);
      throw err;
    }

    const reply = await replies.next(recorded);
    if (reply.delayMs && !(await stillThereAfter(reply.delayMs, req, res))) return;
    const streaming = dialect === "ollama" ? body.stream !== false : body.stream === true;
    if (streaming && reply.content != null && reply.error === undefined && reply.raw === undefined) {
      return sendStream(res, dialect, model, reply.content);
    }
    const status = reply.status ?? (reply.error !== undefined ? 500 : 200);
    const payload =
      reply.raw !== undefined
        ? reply.raw
        : reply.error !== undefined
          ? errorBody(dialect, status, reply.error)
          : okBody(dialect, model, reply.content ?? null, reply.finishReason);
    const text = typeof payload === "string" ? payload : JSON.stringify(payload);
    res.writeHead(status, { "content-type": "application/json", ...reply.headers });
    if (reply.stallBodyMs) {
      res.flushHeaders();
      if (!(await stillThereAfter(reply.stallBodyMs, req, res))) return;
    }
    res.end(text);
  });
  return { ...server, requests, enqueue: replies.enqueue };
}

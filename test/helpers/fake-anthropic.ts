// A local HTTP server on 127.0.0.1 that speaks enough of Anthropic's Messages API (POST /v1/messages) for tests:
// the one imitation the project allows. It records every request; replies come from a queue (enqueue), or by
// default a valid tool_use answer for every drift item id found in the request's data block.
import type { IncomingHttpHeaders, ServerResponse } from "node:http";
import { driftDataIds, replyQueue, serveLocally, stillThereAfter } from "./fake-server.js";

export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  rawBody: string;
  // biome-ignore lint/suspicious/noExplicitAny: the request body is whatever the client sent
  body: any;
}

export interface FakeReply {
  status?: number;
  headers?: Record<string, string>;
  /** An object is sent as JSON; a string is sent as is (for broken bodies). */
  body?: unknown;
  /** Wait this long before answering (for timeouts). */
  delayMs?: number;
}

export type FakeHandler = (req: RecordedRequest) => FakeReply | Promise<FakeReply>;

export interface FakeAnthropic {
  /** Base URL for ANTHROPIC_BASE_URL, e.g. http://127.0.0.1:43123 */
  url: string;
  requests: RecordedRequest[];
  /** Replies used in order, one per request; when empty, the default handler answers. */
  enqueue(...replies: Array<FakeReply | FakeHandler>): void;
  close(): Promise<void>;
}

let counter = 0;

function message(content: unknown[], stopReason: string, model = "claude-test"): Record<string, unknown> {
  counter++;
  return {
    id: `msg_fake_${counter}`,
    type: "message",
    role: "assistant",
    model,
    content,
    stop_reason: stopReason,
    stop_sequence: null,
    container: null,
    usage: { input_tokens: 100, output_tokens: 50, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
  };
}

/** A 200 reply whose content is one tool_use block with `input`. */
export function toolUseReply(input: unknown, name = "record_drift_analyses"): FakeReply {
  return { body: message([{ type: "tool_use", id: `toolu_fake_${counter}`, name, input }], "tool_use") };
}

/** A 200 reply with text only (no tool call). */
export function textReply(text: string): FakeReply {
  return { body: message([{ type: "text", text }], "end_turn") };
}

/** An API error in Anthropic's shape. */
export function errorReply(status: number, type: string, msg: string, headers: Record<string, string> = {}): FakeReply {
  return { status, headers, body: { type: "error", error: { type, message: msg } } };
}

/** The drift item ids in a request's <drift_data> block. */
export function itemIds(req: RecordedRequest): string[] {
  return driftDataIds(req.body?.messages?.[0]?.content);
}

/** A valid analysis for each id. */
export function analysesFor(ids: string[], overrides: Record<string, unknown> = {}): { analyses: unknown[] } {
  return {
    analyses: ids.map((id) => ({
      id,
      summary: `Fake analysis of ${id}.`,
      likelyCause: "Edited by hand.",
      risk: { level: "medium", why: "Differs from the declared state." },
      recommendation: { action: "revert", rationale: "Restore the declared state." },
      commands: [
        "drift-detector drift show {DRIFT_ID}",
        "drift-detector drift revert {DRIFT_ID}",
        "kubectl get deployment backend -n qa -o yaml",
      ],
      confidence: 0.8,
      ...overrides,
    })),
  };
}

const defaultHandler: FakeHandler = (req) => toolUseReply(analysesFor(itemIds(req)));

function send(res: ServerResponse, reply: FakeReply): void {
  const status = reply.status ?? 200;
  const body = typeof reply.body === "string" ? reply.body : JSON.stringify(reply.body ?? {});
  res.writeHead(status, { "content-type": "application/json", "request-id": `req_fake_${counter}`, ...reply.headers });
  res.end(body);
}

export async function startFakeAnthropic(handler: FakeHandler = defaultHandler): Promise<FakeAnthropic> {
  const requests: RecordedRequest[] = [];
  const replies = replyQueue<RecordedRequest, FakeReply>(handler);
  const server = await serveLocally(async (req, res, rawBody) => {
    let body: unknown;
    try {
      body = JSON.parse(rawBody);
    } catch {
      body = undefined;
    }
    const recorded: RecordedRequest = {
      method: req.method ?? "",
      url: req.url ?? "",
      headers: req.headers,
      rawBody,
      body,
    };
    requests.push(recorded);
    if (req.method !== "POST" || !req.url?.startsWith("/v1/messages")) {
      send(res, errorReply(404, "not_found_error", `no route ${req.method} ${req.url}`));
      return;
    }
    // as the real API: no credentials → 401, no API version → 400
    const key = req.headers["x-api-key"] ?? req.headers.authorization?.replace(/^Bearer /, "");
    if (!key) {
      send(res, errorReply(401, "authentication_error", "x-api-key header is required"));
      return;
    }
    if (!req.headers["anthropic-version"]) {
      send(res, errorReply(400, "invalid_request_error", "anthropic-version header is required"));
      return;
    }
    const reply = await replies.next(recorded);
    if (reply.delayMs && !(await stillThereAfter(reply.delayMs, req, res))) return;
    send(res, reply);
  });
  return { ...server, requests, enqueue: replies.enqueue };
}

// A model that answers a prompt with a candidate reply (validated by the caller), or fails with a classified error.
import type { Prompt } from "../prompt.js";
import type { AnalysisSource } from "../types.js";

export type FailureKind =
  | "invalid_reply"
  | "rate_limited"
  | "overloaded"
  | "server_error"
  | "timeout"
  | "connection_error"
  | "auth_error"
  | "bad_request";

const RETRYABLE: ReadonlySet<FailureKind> = new Set([
  "rate_limited",
  "overloaded",
  "server_error",
  "timeout",
  "connection_error",
]);

export class ProviderError extends Error {
  override readonly name = "ProviderError";
  constructor(
    readonly kind: FailureKind,
    message: string,
    /** From retry-after-ms / retry-after, when the server said how long to wait. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }

  get retryable(): boolean {
    return RETRYABLE.has(this.kind);
  }
}

export interface ModelProvider {
  /** The metric label and the analysis source. */
  readonly name: Exclude<AnalysisSource, "rules">;
  readonly model: string;
  /** False when a timed-out request would only time out again (a model on this machine's CPU): no retry then. */
  readonly retriesTimeouts?: boolean;
  /** The candidate reply (the tool input, or the parsed JSON answer). Throws ProviderError. */
  complete(prompt: Prompt, signal?: AbortSignal): Promise<unknown>;
}

/** Milliseconds from retry-after-ms, or retry-after as seconds or an HTTP date. */
export function parseRetryAfter(headers: { get(name: string): string | null } | undefined | null): number | undefined {
  if (!headers) return undefined;
  const ms = Number.parseFloat(headers.get("retry-after-ms") ?? "");
  if (Number.isFinite(ms) && ms >= 0) return ms;
  const raw = headers.get("retry-after");
  if (!raw) return undefined;
  const seconds = Number.parseFloat(raw);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(raw);
  return Number.isFinite(date) ? Math.max(0, date - Date.now()) : undefined;
}

export function kindOfStatus(status: number): FailureKind {
  if (status === 401 || status === 403) return "auth_error";
  if (status === 429) return "rate_limited";
  if (status === 529) return "overloaded";
  if (status === 408) return "timeout";
  if (status >= 500) return "server_error";
  return "bad_request";
}

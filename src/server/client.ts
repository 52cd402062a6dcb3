// The typed client of our own API (CONTRACT.md "HTTP"), for the `drift` commands, the demo and any script. One
// error type: a failed call names the status and the service's message.
import type { DriftRecord } from "../detector/records.js";
import { ExpectedError } from "../lib/errors.js";
import type { AuditEntry } from "../remediation/store.js";
import type { ActionRequest, ActionResult } from "../remediation/types.js";

/** A record as the list serves it: everything but its history, with the number of history events. */
export type DriftSummary = Omit<DriftRecord, "history"> & { events: number };

export interface DriftListQuery {
  status?: "open" | "resolved" | "all";
  namespace?: string;
  severity?: string;
  cluster?: string;
  limit?: number;
  continue?: string;
}

/** A call the service answered with an error (`status`), or could not be made at all (`status` 0). */
export class DriftApiError extends ExpectedError {
  override readonly name = "DriftApiError";
  constructor(
    readonly status: number,
    message: string,
  ) {
    // 409 (a resolved record, a newer change) is the action's answer, not bad input: exit 1.
    super(message, { exitCode: status === 409 ? 1 : 2 });
  }
}

export interface DriftApiClientOptions {
  url: string;
  /** Sent as a bearer token when set (actions need DRIFT_API_TOKEN). */
  token?: string;
  timeoutMs?: number;
}

export class DriftApiClient {
  readonly url: string;

  constructor(private readonly opts: DriftApiClientOptions) {
    this.url = opts.url.replace(/\/+$/, "");
  }

  list(query: DriftListQuery = {}): Promise<{ items: DriftSummary[]; continue: string | null }> {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v !== undefined) q.set(k, String(v));
    return this.call("GET", `/api/drifts${q.size ? `?${q}` : ""}`);
  }

  get(id: string): Promise<DriftRecord> {
    return this.call("GET", `/api/drifts/${encodeURIComponent(id)}`);
  }

  async audit(id: string): Promise<AuditEntry[]> {
    return (await this.call<{ items: AuditEntry[] }>("GET", `/api/drifts/${encodeURIComponent(id)}/audit`)).items;
  }

  /** POST /api/drifts/{id}/actions. Who approves it (audit, hub revision) is the token's identity, never the body's. */
  act(id: string, request: Omit<ActionRequest, "dryRun" | "actor"> & { dryRun?: boolean }): Promise<ActionResult> {
    return this.call("POST", `/api/drifts/${encodeURIComponent(id)}/actions`, request);
  }

  private async call<T>(method: "GET" | "POST", path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { accept: "application/json" };
    if (body !== undefined) headers["content-type"] = "application/json";
    if (this.opts.token) headers.authorization = `Bearer ${this.opts.token}`;
    let res: Response;
    try {
      res = await fetch(`${this.url}${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.opts.timeoutMs ?? 120_000),
      });
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      throw new DriftApiError(
        0,
        `cannot reach the drift-detector service at ${this.url}: ${cause?.code ?? cause?.message ?? (err as Error).message}`,
      );
    }
    const text = await res.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    if (!res.ok) {
      const m = json as { message?: string; error?: string } | undefined;
      const message = m?.message ?? m?.error ?? (text.slice(0, 200) || `HTTP ${res.status}`);
      const shown = res.status === 401 ? "the token was rejected (DRIFT_API_TOKEN)" : message;
      throw new DriftApiError(res.status, `${shown} (HTTP ${res.status})`);
    }
    return json as T;
  }
}

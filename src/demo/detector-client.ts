import type { DriftRecord } from "../detector/records.js";
import type { ActionResult } from "../remediation/types.js";

// The detector service's HTTP API as the demo (and any script) uses it: CONTRACT.md "HTTP".

export class DetectorClient {
  constructor(
    readonly url: string,
    private readonly apiToken: string,
  ) {}

  async drifts(status: "open" | "resolved" | "all" = "open"): Promise<DriftRecord[]> {
    const query = status === "open" ? "" : `?status=${status}`;
    const body = await this.get<DriftRecord[] | { drifts?: DriftRecord[]; items?: DriftRecord[] }>(
      `/api/drifts${query}`,
    );
    return Array.isArray(body) ? body : (body.drifts ?? body.items ?? []);
  }

  async drift(id: string): Promise<DriftRecord> {
    const body = await this.get<DriftRecord | { drift: DriftRecord }>(`/api/drifts/${encodeURIComponent(id)}`);
    return "drift" in body ? body.drift : body;
  }

  /** POST /api/drifts/{id}/actions, recorded in the audit as done by the demo. */
  async action(id: string, action: "revert" | "accept" | "ignore", dryRun = false): Promise<ActionResult> {
    const res = await fetch(`${this.url}/api/drifts/${encodeURIComponent(id)}/actions`, {
      method: "POST",
      headers: { authorization: `Bearer ${this.apiToken}`, "content-type": "application/json" },
      body: JSON.stringify({ action, dryRun, actor: "demo" }),
      signal: AbortSignal.timeout(60_000),
    });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {}
    if (!res.ok) {
      const message =
        (body as { message?: string; error?: string })?.message ?? (body as { error?: string })?.error ?? text;
      throw new Error(`${action} of drift ${id}: HTTP ${res.status} ${String(message).slice(0, 300)}`);
    }
    return ((body as { result?: ActionResult }).result ?? body) as ActionResult;
  }

  private async get<T>(path: string): Promise<T> {
    const res = await fetch(`${this.url}${path}`, {
      headers: { authorization: `Bearer ${this.apiToken}` },
      signal: AbortSignal.timeout(15_000),
    });
    if (!res.ok) throw new Error(`GET ${path}: HTTP ${res.status} ${(await res.text()).slice(0, 200)}`);
    return (await res.json()) as T;
  }
}

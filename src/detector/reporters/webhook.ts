// Webhook notifications (Slack-compatible JSON: `text` plus blocks), sent in the background with retries and
// backoff; a bounded queue, so a dead endpoint costs memory up to a limit and never blocks detection.
import type { Logger } from "pino";
import { describeChangedBy } from "../../identity/personal-data.js";
import { errorMessage } from "../../lib/errors.js";
import { slackCode, slackEscape } from "../../lib/escape.js";
import { changeAuthors, type DriftEvent, describeRef } from "../records.js";

export interface WebhookOptions {
  url: string;
  logger: Logger;
  maxAttempts?: number;
  initialBackoffMs?: number;
  maxQueue?: number;
  timeoutMs?: number;
  onOutcome?: (outcome: "sent" | "failed" | "dropped") => void;
}

const ICON = { opened: ":warning:", updated: ":arrows_counterclockwise:", resolved: ":white_check_mark:" } as const;

/**
 * The Slack message for one drift event. Values are left out: only paths and who, never a secret's value. Every
 * live string is escaped (slackEscape): a manager named `<!channel>` must not ping anyone.
 */
export function slackMessage(ev: DriftEvent): Record<string, unknown> {
  if (ev.analysed) return analysisMessage(ev);
  const { event, record, snoozeEnded } = ev;
  const who = changeAuthors(record.changes).map(slackEscape);
  const ref = slackEscape(describeRef(record.ref));
  const fields = record.changes.slice(0, 10).map((c) => `• ${slackCode(c.field || c.path)} (${c.type}, ${c.severity})`);
  if (record.changes.length > 10) fields.push(`… and ${record.changes.length - 10} more`);
  const title = snoozeEnded
    ? `${ICON[event]} Drift still open after its snooze: ${ref} (${record.severity})`
    : `${ICON[event]} Drift ${event}: ${ref} (${record.severity})`;
  const detail = [
    record.resourceStatus === "Missing" && event !== "resolved" ? "The object is missing from the cluster." : "",
    fields.join("\n"),
    who.length ? `Changed by: ${who.join(", ")}` : "",
    record.changedBy ? `Who: ${slackEscape(describeChangedBy(record.changedBy) ?? "")}` : "",
    record.analysis ? `Analysis: ${slackEscape(record.analysis.summary)}` : "",
    `Cluster: ${slackEscape(record.cluster)} · drift ${record.id}`,
  ]
    .filter(Boolean)
    .join("\n");
  return {
    text: `${title}\n${detail}`,
    blocks: [
      { type: "section", text: { type: "mrkdwn", text: `*${title}*` } },
      { type: "section", text: { type: "mrkdwn", text: detail } },
    ],
  };
}

/**
 * The second message of a drift: its analysis (incoming webhooks cannot edit a message sent, so a new one that
 * names the drift). The analyzer redacted the text; it is escaped too, as a model could be talked into `<!channel>`.
 */
function analysisMessage({ record }: DriftEvent): Record<string, unknown> {
  const a = record.analysis;
  const title = `:mag: Analysis of drift ${record.id}: ${slackEscape(describeRef(record.ref))}`;
  const cluster = `Cluster: ${slackEscape(record.cluster)}`;
  const detail = a
    ? [
        a.summary,
        `Likely cause: ${a.likelyCause}`,
        `Risk: ${a.risk.level}. ${a.risk.why}`,
        `Recommendation: ${a.recommendation.action}. ${a.recommendation.rationale}`,
      ]
        .map(slackEscape)
        .concat(`${cluster} · by ${a.source}${a.model ? ` (${slackEscape(a.model)})` : ""}`)
        .join("\n")
    : cluster;
  return {
    text: `${title}\n${detail}`,
    blocks: [
      { type: "section", text: { type: "mrkdwn", text: `*${title}*` } },
      { type: "section", text: { type: "mrkdwn", text: detail } },
    ],
  };
}

export class WebhookNotifier {
  private readonly queue: Array<{ payload: unknown; attempt: number }> = [];
  private running: Promise<void> | undefined;
  private readonly controller = new AbortController();

  constructor(private readonly opts: WebhookOptions) {}

  /** Notifications waiting to be sent. */
  get size(): number {
    return this.queue.length;
  }

  notify(ev: DriftEvent): void {
    if (this.controller.signal.aborted) return;
    if (this.queue.length >= (this.opts.maxQueue ?? 1000)) {
      this.queue.shift();
      this.opts.onOutcome?.("dropped");
    }
    this.queue.push({ payload: slackMessage(ev), attempt: 0 });
    this.running ??= this.drain().finally(() => {
      this.running = undefined;
    });
  }

  /** Waits for queued notifications (bounded by `ms`), then stops. */
  async close(ms = 2000): Promise<void> {
    const timer = setTimeout(() => this.controller.abort(), ms);
    await this.running;
    clearTimeout(timer);
    this.controller.abort();
  }

  private async drain(): Promise<void> {
    const max = this.opts.maxAttempts ?? 5;
    while (this.queue.length > 0 && !this.controller.signal.aborted) {
      const item = this.queue[0];
      try {
        await this.post(item.payload);
        this.queue.shift();
        this.opts.onOutcome?.("sent");
      } catch (err) {
        item.attempt++;
        if (item.attempt >= max) {
          this.queue.shift();
          this.opts.onOutcome?.("failed");
          this.opts.logger.warn({ err: errorMessage(err), attempts: item.attempt }, "webhook notification failed");
          continue;
        }
        const backoff = (this.opts.initialBackoffMs ?? 1000) * 2 ** (item.attempt - 1);
        await new Promise((r) => setTimeout(r, backoff));
      }
    }
  }

  private async post(payload: unknown): Promise<void> {
    const signal = AbortSignal.any([this.controller.signal, AbortSignal.timeout(this.opts.timeoutMs ?? 10_000)]);
    const res = await fetch(this.opts.url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(payload),
      signal,
    });
    await res.arrayBuffer().catch(() => undefined);
    if (!res.ok) throw new Error(`webhook answered ${res.status}`);
  }
}

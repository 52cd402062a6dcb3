// The analysis queue: a drift whose model answers 429 waits and is tried again until the model recovers (one
// analysis, the model's); past its longest wait, or at shutdown, it keeps the rules' analysis; an updated record
// replaces its queued verdict; a full queue drops its oldest drift, counts it and gives it the rules' analysis.
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { ModelAnalyzer } from "../../../src/analysis/model-analyzer.js";
import type { Prompt } from "../../../src/analysis/prompt.js";
import { type ModelProvider, ProviderError } from "../../../src/analysis/providers/provider.js";
import type { Analysis } from "../../../src/analysis/types.js";
import { AnalysisQueue } from "../../../src/detector/analysis-queue.js";
import type { DriftRecord } from "../../../src/detector/records.js";
import { Tracker } from "../../../src/detector/tracker.js";
import { aChange, aResult } from "../../helpers/builders.js";

const logger = pino({ level: "silent" });

/** Claude as a provider that is rate limited for its first `limited` requests, then answers every item. */
function claude(limited: number): ModelProvider & { calls: number } {
  return {
    name: "claude",
    model: "m",
    calls: 0,
    async complete(prompt: Prompt) {
      if (this.calls++ < limited) throw new ProviderError("rate_limited", "429 rate limited", 1);
      return {
        analyses: prompt.ids.map((id) => ({
          id,
          summary: `model analysis of ${id}`,
          likelyCause: "an edit",
          risk: { level: "low", why: "test" },
          recommendation: { action: "revert", rationale: "test" },
          commands: [],
          confidence: 0.9,
        })),
      };
    },
  };
}

async function openRecord(tracker: Tracker, name: string, replicas = 5): Promise<DriftRecord> {
  const ev = await tracker.record(
    `apps/v1|Deployment|ns|${name}`,
    aResult({
      ref: { apiVersion: "apps/v1", kind: "Deployment", namespace: "ns", name },
      changes: [aChange({ live: replicas })],
    }),
  );
  if (!ev) throw new Error("no transition");
  return ev.record;
}

function queueWith(provider: ModelProvider, extra: Partial<ConstructorParameters<typeof AnalysisQueue>[0]> = {}) {
  const analysed: Array<{ id: string; analysis: Analysis }> = [];
  const queue = new AnalysisQueue({
    analyzer: new ModelAnalyzer({ providers: [provider], maxRetries: 0 }),
    logger,
    retryBaseMs: 5,
    retryMaxMs: 20,
    onAnalysed: async (record, analysis) => {
      analysed.push({ id: record.id, analysis });
    },
    ...extra,
  });
  return { queue, analysed };
}

describe("analysis queue", () => {
  it("waits out a rate-limited model and delivers its analysis once, when it recovers", async () => {
    const tracker = new Tracker({ cluster: "c", logger });
    const provider = claude(4);
    const { queue, analysed } = queueWith(provider);
    const record = await openRecord(tracker, "a");
    queue.add(record, "opened");
    await queue.idle();
    expect(provider.calls).toBe(5);
    expect(analysed).toHaveLength(1);
    expect(analysed[0]?.analysis.source).toBe("claude");
  });

  it("keeps the rules' analysis after its longest wait", async () => {
    const tracker = new Tracker({ cluster: "c", logger });
    const { queue, analysed } = queueWith(claude(Number.POSITIVE_INFINITY), { maxWaitMs: 30 });
    queue.add(await openRecord(tracker, "a"), "opened");
    await queue.idle();
    expect(analysed.map((a) => a.analysis.source)).toEqual(["rules"]);
  });

  it("analyses what is queued with the rules at shutdown", async () => {
    const tracker = new Tracker({ cluster: "c", logger });
    const { queue, analysed } = queueWith(claude(Number.POSITIVE_INFINITY), {
      retryBaseMs: 60_000,
      retryMaxMs: 60_000,
    });
    queue.add(await openRecord(tracker, "a"), "opened");
    await new Promise((r) => setTimeout(r, 50)); // the first attempt failed; the retry is a minute away
    queue.stop();
    await queue.idle();
    expect(analysed.map((a) => a.analysis.source)).toEqual(["rules"]);
  });

  it("analyses only the latest verdict of a record updated while it waited", async () => {
    const tracker = new Tracker({ cluster: "c", logger });
    const provider = claude(1);
    const { queue, analysed } = queueWith(provider);
    const first = await openRecord(tracker, "a", 5);
    queue.add(first, "opened");
    const updated = await openRecord(tracker, "a", 7);
    expect(updated.id).toBe(first.id);
    queue.add(updated, "updated");
    await queue.idle();
    expect(analysed).toHaveLength(1);
    expect(analysed[0]?.analysis.fingerprint).toBe(updated.fingerprint);
  });

  it("drops the oldest drifts waiting when full, counts them, and gives them the rules' analysis", async () => {
    const tracker = new Tracker({ cluster: "c", logger });
    let dropped = 0;
    const { queue, analysed } = queueWith(claude(0), { capacity: 2, onDropped: () => dropped++ });
    const records = [];
    for (const name of ["a", "b", "c", "d"]) records.push(await openRecord(tracker, name));
    for (const r of records) queue.add(r, "opened"); // c pushes a out, d pushes b out
    await queue.idle();
    expect(dropped).toBe(2);
    const source = Object.fromEntries(analysed.map((a) => [a.id, a.analysis.source]));
    expect(source).toEqual({
      [records[0]!.id]: "rules",
      [records[1]!.id]: "rules",
      [records[2]!.id]: "claude",
      [records[3]!.id]: "claude",
    });
  });
});

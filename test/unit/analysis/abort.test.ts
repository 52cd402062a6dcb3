// Shutdown cuts analyses short: the announcer's signal ends a request in flight and a retry's wait, and the drifts
// get the rules' analysis at once rather than holding the shutdown past its deadline.
import { describe, expect, it } from "vitest";
import { ModelAnalyzer } from "../../../src/analysis/model-analyzer.js";
import type { Prompt } from "../../../src/analysis/prompt.js";
import { type ModelProvider, ProviderError } from "../../../src/analysis/providers/provider.js";
import { annotationDrift, request } from "./fixtures.js";

/** A provider whose every request fails the given way; counts the requests. */
function provider(respond: (signal?: AbortSignal) => Promise<unknown>): ModelProvider & { calls: number } {
  return {
    name: "claude",
    model: "m",
    calls: 0,
    complete(_prompt: Prompt, signal?: AbortSignal) {
      this.calls++;
      return respond(signal);
    },
  };
}

describe("analysis during shutdown", () => {
  it("ends a request in flight when the signal aborts, with the rules' analysis", async () => {
    const hanging = provider(
      (signal) =>
        new Promise((_, reject) =>
          signal?.addEventListener("abort", () => reject(new Error("aborted")), { once: true }),
        ),
    );
    const analyzer = new ModelAnalyzer({ providers: [hanging] });
    const stopping = new AbortController();
    const result = analyzer.analyze([request(annotationDrift("x"))], { signal: stopping.signal });
    setTimeout(() => stopping.abort(), 20);
    const [analysis] = await result;
    expect(analysis?.source).toBe("rules");
    expect(hanging.calls).toBe(1);
  });

  it("does not wait out a retry's backoff once the signal aborts", async () => {
    const busy = provider(() => Promise.reject(new ProviderError("overloaded", "529 overloaded")));
    // A backoff far longer than the test's timeout: only the abort can end it.
    const analyzer = new ModelAnalyzer({
      providers: [busy],
      retryBaseDelayMs: 600_000,
      retryMaxDelayMs: 600_000,
      maxRetryAfterMs: 3_600_000,
    });
    const stopping = new AbortController();
    const result = analyzer.analyze([request(annotationDrift("x"))], { signal: stopping.signal });
    setTimeout(() => stopping.abort(), 20);
    const [analysis] = await result;
    expect(analysis?.source).toBe("rules");
    expect(busy.calls).toBe(1);
  }, 5_000);
});

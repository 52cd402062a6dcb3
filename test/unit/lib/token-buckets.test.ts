// Token buckets per key: a burst, then one per refill interval; refusals are counted and reported by the next take.
import { describe, expect, it } from "vitest";
import { TokenBuckets } from "../../../src/lib/token-buckets.js";

describe("token buckets", () => {
  it("allows a burst per key, then one per interval, and reports what it refused meanwhile", () => {
    const clock = { t: 0 };
    const b = new TokenBuckets(3, 1000, 100, () => clock.t);
    expect([1, 2, 3].map(() => b.take("x").allowed)).toEqual([true, true, true]);
    expect(b.take("x")).toEqual({ allowed: false });
    expect(b.take("x")).toEqual({ allowed: false });
    expect(b.take("y")).toEqual({ allowed: true, suppressed: 0 }); // another object has its own bucket
    clock.t += 999;
    expect(b.take("x").allowed).toBe(false);
    clock.t += 1;
    expect(b.take("x")).toEqual({ allowed: true, suppressed: 3 });
    expect(b.take("x")).toEqual({ allowed: false });
    clock.t += 10_000; // refilled to the burst, not beyond
    expect([1, 2, 3, 4].map(() => b.take("x").allowed)).toEqual([true, true, true, false]);
  });

  it("forgets idle full buckets past maxKeys, never one with refusals to report", () => {
    const clock = { t: 0 };
    const b = new TokenBuckets(1, 1000, 2, () => clock.t);
    b.take("busy");
    b.take("busy"); // refused: one to report
    b.take("idle");
    clock.t += 5000;
    b.take("third");
    expect(b.size).toBeLessThanOrEqual(2);
    expect(b.take("busy")).toEqual({ allowed: true, suppressed: 1 });
  });
});

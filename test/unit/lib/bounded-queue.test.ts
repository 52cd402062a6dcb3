// The bounded queue: coalesces a key already queued (value replaced, place kept) and drops the oldest when full.
import { describe, expect, it } from "vitest";
import { BoundedQueue } from "../../../src/lib/bounded-queue.js";

describe("bounded queue", () => {
  it("keeps one entry per key, in first-queued order, with the latest value", () => {
    const q = new BoundedQueue<number>(10);
    q.push("a", 1);
    q.push("b", 2);
    q.push("a", 3);
    expect(q.size).toBe(2);
    expect(q.take(10)).toEqual([
      ["a", 3],
      ["b", 2],
    ]);
    expect(q.size).toBe(0);
  });

  it("drops the oldest entry when full and says which", () => {
    const dropped: string[] = [];
    const q = new BoundedQueue<number>(2, (_v, key) => dropped.push(key));
    q.push("a", 1);
    q.push("b", 2);
    q.push("b", 20); // coalesced: nothing dropped
    q.push("c", 3);
    expect(dropped).toEqual(["a"]);
    expect(q.take(10).map(([k]) => k)).toEqual(["b", "c"]);
  });

  it("takes only what is ready, at most max", () => {
    const q = new BoundedQueue<number>(10);
    for (const [i, k] of ["a", "b", "c", "d"].entries()) q.push(k, i);
    expect(q.take(1, (v) => v % 2 === 1)).toEqual([["b", 1]]);
    expect(q.take(5).map(([k]) => k)).toEqual(["a", "c", "d"]);
  });

  it("refuses a capacity below one", () => {
    expect(() => new BoundedQueue(0)).toThrow(RangeError);
  });
});

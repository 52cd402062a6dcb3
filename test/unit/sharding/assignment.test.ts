import { describe, expect, it } from "vitest";
import { assignShards, movedShards } from "../../../src/sharding/assignment.js";

const shardsOf = (n: number, tag = "") => Array.from({ length: n }, (_, i) => `ctx${tag}=hub:space-${i}`);
const membersOf = (n: number, tag = "") => Array.from({ length: n }, (_, i) => `replica-${i}_${tag}`);

function loads(assignment: Map<string, string>): number[] {
  const counts = new Map<string, number>();
  for (const m of assignment.values()) counts.set(m, (counts.get(m) ?? 0) + 1);
  return [...counts.values()].sort((a, b) => a - b);
}

describe("assignShards", () => {
  it("gives three replicas two of six shards each, and every replica computes the same", () => {
    const shards = shardsOf(6);
    const members = membersOf(3);
    const a = assignShards(shards, members);
    expect(loads(a)).toEqual([2, 2, 2]);
    expect(assignShards([...shards].reverse(), [...members].reverse())).toEqual(a);
  });

  it("balances to ⌊S/N⌋ or ⌈S/N⌉ for any sizes", () => {
    for (const [s, n] of [
      [1, 3],
      [7, 3],
      [100, 7],
      [12, 5],
    ] as const) {
      const l = loads(assignShards(shardsOf(s), membersOf(n)));
      expect(l.reduce((x, y) => x + y, 0)).toBe(s);
      expect(Math.max(...l) - Math.min(...l)).toBeLessThanOrEqual(1);
      expect(Math.max(...l)).toBe(Math.ceil(s / n));
    }
  });

  it("is stable: the holders of a balanced assignment keep it", () => {
    const shards = shardsOf(20);
    const members = membersOf(4);
    const a = assignShards(shards, members);
    expect(assignShards(shards, members, a)).toEqual(a);
  });

  it("a join moves at most ⌈S/(N+1)⌉ shards, all to the new replica (≈ 1/N)", () => {
    for (let trial = 0; trial < 50; trial++) {
      for (const [s, n] of [
        [6, 3],
        [12, 3],
        [100, 5],
      ] as const) {
        const shards = shardsOf(s, String(trial));
        const members = membersOf(n, String(trial));
        const before = assignShards(shards, members);
        const joined = `new_${trial}`;
        const after = assignShards(shards, [...members, joined], before);
        const moved = movedShards(before, after);
        expect(moved.length).toBeLessThanOrEqual(Math.ceil(s / (n + 1)));
        expect(moved.length).toBeGreaterThanOrEqual(Math.floor(s / (n + 1)));
        for (const k of moved) expect(after.get(k)).toBe(joined);
      }
    }
  });

  it("a loss moves only the lost replica's shards", () => {
    for (let trial = 0; trial < 50; trial++) {
      for (const [s, n] of [
        [6, 3],
        [6, 4],
        [100, 5],
      ] as const) {
        const shards = shardsOf(s, String(trial));
        const members = membersOf(n, String(trial));
        const before = assignShards(shards, members);
        const lost = members[trial % n]!;
        const after = assignShards(
          shards,
          members.filter((m) => m !== lost),
          before,
        );
        const moved = movedShards(before, after);
        expect(moved).toEqual(
          [...before]
            .filter(([, m]) => m === lost)
            .map(([k]) => k)
            .sort(),
        );
        expect(Math.max(...loads(after)) - Math.min(...loads(after))).toBeLessThanOrEqual(1);
      }
    }
  });

  it("ignores holdings of members that left and of shards that are gone", () => {
    const shards = shardsOf(4);
    const held = new Map([
      [shards[0]!, "gone"],
      ["ctx=hub:removed", "replica-0_"],
    ]);
    const a = assignShards(shards, membersOf(2), held);
    expect([...a.keys()].sort()).toEqual([...shards].sort());
    expect(new Set(a.values())).toEqual(new Set(membersOf(2)));
  });

  it("assigns nothing without members", () => {
    expect(assignShards(shardsOf(3), []).size).toBe(0);
  });
});

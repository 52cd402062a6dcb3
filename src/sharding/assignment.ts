// Which replica owns which shard: rendezvous (highest-random-weight) hashing with balanced, sticky loads. Pure: every
// replica computes the same answer from the same members and holdings, without talking to the others.
//
// Plain HRW moves only ~1/N of the shards on a join or a loss but balances only on average (six shards on three
// replicas come out 2/2/2 one time in eight). So each member gets a quota of ⌊S/N⌋ or ⌈S/N⌉, the bigger quotas to
// the members already holding most; a member keeps its current shards up to its quota (those it weighs highest), and
// every other shard goes to the member with room that weighs it highest. A join then moves ⌈S/(N+1)⌉ shards at
// most, a loss only the lost member's.
import { createHash } from "node:crypto";

/** The rendezvous weight of a (shard, member) pair: a 64-bit hash, the same on every replica. */
export function weight(shard: string, member: string): bigint {
  return createHash("sha256").update(shard).update("\0").update(member).digest().readBigUInt64BE(0);
}

const byWeight = (shard: string) => (a: string, b: string) => {
  const wa = weight(shard, a);
  const wb = weight(shard, b);
  return wa === wb ? a.localeCompare(b) : wa > wb ? -1 : 1;
};

/**
 * Shard key → member. `held`: who holds each shard now (shard → member); holdings of members not in `members`, of
 * unknown shards, or beyond a member's quota are ignored.
 */
export function assignShards(
  shards: readonly string[],
  members: readonly string[],
  held: ReadonlyMap<string, string> = new Map(),
): Map<string, string> {
  const out = new Map<string, string>();
  const live = [...new Set(members)].sort();
  if (live.length === 0) return out;
  const all = [...new Set(shards)].sort();
  const holdings = new Map<string, string[]>(live.map((m) => [m, []]));
  for (const s of all) {
    const m = held.get(s);
    if (m !== undefined) holdings.get(m)?.push(s);
  }
  // The ⌈S/N⌉ quotas go to the members holding most now (ties: the members' own weights), so that fewest move.
  const base = Math.floor(all.length / live.length);
  const tie = byWeight("");
  const ranked = [...live].sort((a, b) => (holdings.get(b)?.length ?? 0) - (holdings.get(a)?.length ?? 0) || tie(a, b));
  const quota = new Map(ranked.map((m, i) => [m, base + (i < all.length % live.length ? 1 : 0)]));
  const load = new Map<string, number>(live.map((m) => [m, 0]));
  for (const m of live) {
    const own = holdings.get(m) ?? [];
    const kept = own.map((s) => ({ s, w: weight(s, m) })).sort((a, b) => (a.w === b.w ? 0 : a.w > b.w ? -1 : 1));
    for (const { s } of kept.slice(0, quota.get(m))) out.set(s, m);
    load.set(m, Math.min(own.length, quota.get(m) ?? 0));
  }
  for (const s of all) {
    if (out.has(s)) continue;
    const m = [...live].sort(byWeight(s)).find((c) => (load.get(c) ?? 0) < (quota.get(c) ?? 0));
    if (m === undefined) continue; // unreachable: the quotas add up to the shards
    out.set(s, m);
    load.set(m, (load.get(m) ?? 0) + 1);
  }
  return out;
}

/** The shards whose owner differs between two assignments (a shard new or gone counts as moved). */
export function movedShards(before: ReadonlyMap<string, string>, after: ReadonlyMap<string, string>): string[] {
  const keys = new Set([...before.keys(), ...after.keys()]);
  return [...keys].filter((k) => before.get(k) !== after.get(k)).sort();
}

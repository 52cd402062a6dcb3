// The environment matrix: hub spaces grouped into promotion chains (…-qa → …-staging → …-prod), ordered along the
// upstream links of their units (a clone's upstream is one step earlier), and for each unit in each space whether
// its objects are in sync, drifted (with the worst severity) or missing, and whether it is behind its upstream
// (the upstream unit has revisions the clone was not upgraded to). Pure: units from the hub sources, verdicts from
// the detectors.

import type { DesiredUnit } from "../desired/source.js";
import { type ResourceResult, SEVERITIES, type Severity } from "../drift/types.js";

export type CellState = "in-sync" | "drifted" | "missing" | "error" | "unknown";

export interface MatrixCell {
  state: CellState;
  /** The worst severity of its drifted or missing objects. */
  severity: Severity | null;
  objects: number;
  drifted: number;
  revision: number;
  /** Set when the upstream unit moved past the revision this unit was last upgraded from. */
  behind: { upstreamSpace: string; upstreamRevision: number; upgradedFrom: number } | null;
}

export interface PromotionChain {
  name: string;
  /** Upstream first. */
  spaces: string[];
  rows: Array<{ unit: string; cells: Record<string, MatrixCell | null> }>;
}

/** Environment suffixes in promotion order: the tie-break between spaces at the same depth, and the chain's name. */
const ENVIRONMENTS = ["dev", "development", "test", "qa", "stage", "staging", "preprod", "prod", "production"];
const SUFFIX = new RegExp(`-(${ENVIRONMENTS.join("|")})$`);

function stem(space: string): string {
  return space.replace(SUFFIX, "");
}

function environmentRank(space: string): number {
  const m = SUFFIX.exec(space);
  return m ? ENVIRONMENTS.indexOf(m[1]!) : ENVIRONMENTS.length;
}

export function environmentMatrix(units: readonly DesiredUnit[], results: readonly ResourceResult[]): PromotionChain[] {
  const byId = new Map(units.map((u) => [u.unitId, u]));
  const spaces = [...new Set(units.map((u) => u.space))];

  // Chains: spaces joined by upstream links, or by a common name before an environment suffix.
  const parent = new Map(spaces.map((s) => [s, s]));
  const find = (s: string): string => {
    while (parent.get(s) !== s) s = parent.get(s)!;
    return s;
  };
  const join = (a: string, b: string) => parent.set(find(a), find(b));
  const upstreamSpaces = new Map<string, Set<string>>(spaces.map((s) => [s, new Set()]));
  for (const u of units) {
    const up = u.upstream && byId.get(u.upstream.unitId);
    if (up && up.space !== u.space) {
      join(u.space, up.space);
      upstreamSpaces.get(u.space)?.add(up.space);
    }
  }
  const byStem = new Map<string, string>();
  for (const s of spaces) {
    if (!SUFFIX.test(s)) continue;
    const first = byStem.get(stem(s));
    if (first) join(s, first);
    else byStem.set(stem(s), s);
  }

  // Depth along the upstream links (bounded: a cycle of clones cannot loop forever).
  const depth = new Map(spaces.map((s) => [s, 0]));
  for (let i = 0; i < spaces.length; i++) {
    for (const [s, ups] of upstreamSpaces) {
      for (const up of ups) depth.set(s, Math.max(depth.get(s)!, depth.get(up)! + 1));
    }
  }

  const verdicts = new Map<string, ResourceResult[]>();
  for (const r of results) {
    if (r.source.type === "file") continue;
    const key = `${r.source.space}/${r.source.unit}`;
    verdicts.set(key, [...(verdicts.get(key) ?? []), r]);
  }
  const cell = (u: DesiredUnit): MatrixCell => {
    const own = verdicts.get(`${u.space}/${u.unit}`) ?? [];
    const off = own.filter((r) => r.status === "Drifted" || r.status === "Missing");
    const worst = SEVERITIES.find((s) => off.some((r) => (r.severity ?? "critical") === s)) ?? null;
    const state: CellState = off.some((r) => r.status === "Missing")
      ? "missing"
      : off.length > 0
        ? "drifted"
        : own.some((r) => r.status === "Error")
          ? "error"
          : own.length > 0
            ? "in-sync"
            : "unknown";
    const up = u.upstream && byId.get(u.upstream.unitId);
    const behind =
      up && u.upstream && up.headRevision > u.upstream.revision
        ? { upstreamSpace: up.space, upstreamRevision: up.headRevision, upgradedFrom: u.upstream.revision }
        : null;
    return { state, severity: worst, objects: own.length, drifted: off.length, revision: u.revision, behind };
  };

  const chains = new Map<string, string[]>();
  for (const s of spaces) chains.set(find(s), [...(chains.get(find(s)) ?? []), s]);
  return [...chains.values()]
    .map((members) => {
      members.sort(
        (a, b) => depth.get(a)! - depth.get(b)! || environmentRank(a) - environmentRank(b) || a.localeCompare(b),
      );
      const unitNames = [...new Set(units.filter((u) => members.includes(u.space)).map((u) => u.unit))].sort();
      const rows = unitNames.map((name) => {
        const cells: Record<string, MatrixCell | null> = {};
        for (const s of members) {
          const u = units.find((x) => x.space === s && x.unit === name);
          cells[s] = u ? cell(u) : null;
        }
        return { unit: name, cells };
      });
      return { name: stem(members[0]!), spaces: members, rows };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

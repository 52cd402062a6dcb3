// The context a model gets for one drift, redacted and bounded by a token budget. When an item is over its budget,
// context is given up in a fixed order (TRUNCATION_ORDER, documented in docs/analysis.md), least useful per token
// first. Never given up: the resource, its status and severity, its most severe change, its unit and environment.
import type { Change, Severity } from "../drift/types.js";
import type { Redactor } from "./redact.js";
import { environmentOf } from "./rules/environment.js";
import type { AnalysisContext, AnalysisRequest } from "./types.js";

/** Rough token estimate: ~3.5 characters per token for JSON, rounded up, so the budget errs on the safe side. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 3.5);
}

interface ChangeData {
  field: string;
  path: string;
  type: Change["type"];
  desired?: unknown;
  live?: unknown;
  severity: Severity;
  by: Change["by"];
}

export interface ItemData {
  id: string;
  resource: AnalysisRequest["result"]["ref"];
  status: string;
  severity: Severity | null;
  source: AnalysisRequest["result"]["source"];
  environment: string | null;
  driftIdKnown: boolean;
  changes: ChangeData[];
  omittedChanges?: number;
  ignored?: AnalysisRequest["result"]["ignored"];
  unit?: AnalysisContext["unit"];
  history?: AnalysisContext["history"];
  decisions?: AnalysisContext["decisions"];
  related?: AnalysisContext["related"];
  changedBy?: string;
  /** Which truncation steps were applied, so the model knows context is missing. */
  truncated?: string[];
}

const SEVERITY_RANK: Record<Severity, number> = { critical: 0, high: 1, medium: 2, low: 3 };

function cutValue(v: unknown, max: number): unknown {
  if (typeof v === "string") return v.length > max ? `${v.slice(0, max)}…[${v.length - max} more chars]` : v;
  if (v === null || typeof v !== "object") return v;
  const json = JSON.stringify(v);
  return json.length > max * 2 ? `${json.slice(0, max * 2)}…[truncated JSON, ${json.length} chars]` : v;
}

type Step = [name: string, apply: (d: ItemData) => void];

export const TRUNCATION_ORDER: Step[] = [
  ["related object bodies", (d) => (d.related = d.related?.map(({ object: _object, ...rest }) => rest))],
  [
    "long values",
    (d) =>
      (d.changes = d.changes.map((c) => ({ ...c, desired: cutValue(c.desired, 200), live: cutValue(c.live, 200) }))),
  ],
  ["ignored fields", (d) => delete d.ignored],
  [
    "older history and decisions (newest 3 kept)",
    (d) => {
      d.history = d.history?.slice(0, 3);
      d.decisions = d.decisions?.slice(0, 3);
    },
  ],
  ["related objects", (d) => delete d.related],
  ["changes beyond the 10 most severe", (d) => keepChanges(d, 10)],
  ["operator decisions", (d) => delete d.decisions],
  ["drift history", (d) => delete d.history],
  [
    "unit change description",
    (d) => {
      if (d.unit?.lastChangeDescription)
        d.unit = { ...d.unit, lastChangeDescription: cutValue(d.unit.lastChangeDescription, 120) as string };
    },
  ],
  ["changes beyond the most severe", (d) => keepChanges(d, 1)],
  [
    "very long values",
    (d) => (d.changes = d.changes.map((c) => ({ ...c, desired: cutValue(c.desired, 40), live: cutValue(c.live, 40) }))),
  ],
];

function keepChanges(d: ItemData, n: number): void {
  if (d.changes.length <= n) return;
  d.omittedChanges = (d.omittedChanges ?? 0) + d.changes.length - n;
  d.changes = d.changes.slice(0, n);
}

/** The redacted, budgeted data of one item. Changes are ordered most severe first. */
export function buildItemData(req: AnalysisRequest, id: string, budgetTokens: number, redactor: Redactor): ItemData {
  const { result, context } = req;
  const changes = result.changes
    .map((c) => redactor.change(c, result.ref))
    .sort((a, b) => SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity])
    .map(({ field, path, type, desired, live, severity, by }) => ({ field, path, type, desired, live, severity, by }));
  const env = environmentOf(req);
  const data: ItemData = {
    id,
    resource: result.ref,
    status: result.status,
    severity: result.severity,
    source: result.source,
    environment: env.name ?? null,
    driftIdKnown: Boolean(context?.driftId),
    changes,
  };
  if (result.ignored.length) data.ignored = result.ignored;
  if (context?.unit) data.unit = redactor.value(context.unit) as ItemData["unit"];
  if (context?.history?.length) data.history = redactor.value(context.history) as ItemData["history"];
  if (context?.decisions?.length) data.decisions = redactor.value(context.decisions) as ItemData["decisions"];
  if (context?.related?.length) data.related = redactor.value(context.related) as ItemData["related"];
  if (context?.changedBy) data.changedBy = context.changedBy;

  const truncated: string[] = [];
  for (const [name, apply] of TRUNCATION_ORDER) {
    if (estimateTokens(JSON.stringify(data)) <= budgetTokens) break;
    apply(data);
    truncated.push(name);
  }
  if (truncated.length) data.truncated = truncated;
  return data;
}

// What the resource's past says about this drift: earlier outcomes and operators' decisions on the same fields.
import type { Change } from "../../drift/types.js";
import type { AnalysisRequest } from "../types.js";

export interface PriorSignals {
  revertedBefore: number;
  acceptedBefore: number;
  ignoredBefore: number;
  /** The newest operator decision on overlapping fields. */
  lastDecision?: { action: "revert" | "accept" | "ignore"; by?: string; at?: string; reason?: string };
}

function overlaps(a: string[], b: string[]): boolean {
  return a.some((x) => b.some((y) => x === y || x.startsWith(`${y}/`) || y.startsWith(`${x}/`)));
}

export function priorSignals(req: AnalysisRequest, changes: Change[]): PriorSignals {
  const paths = changes.map((c) => c.path);
  const history = (req.context?.history ?? []).filter((h) => paths.length === 0 || overlaps(h.paths, paths));
  const count = (o: string) => history.filter((h) => h.outcome === o).length;
  const decision = (req.context?.decisions ?? []).find(
    (d) => (!d.ref || d.ref.kind === req.result.ref.kind) && (paths.length === 0 || overlaps(d.paths, paths)),
  );
  return {
    revertedBefore: count("reverted"),
    acceptedBefore: count("accepted"),
    ignoredBefore: count("ignored"),
    lastDecision: decision && { action: decision.action, by: decision.by, at: decision.at, reason: decision.reason },
  };
}

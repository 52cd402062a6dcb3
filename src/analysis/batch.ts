// Related drifts of one detection go to the model together (same namespace and unit space), so it can see a shared
// cause and the fixed prompt is paid once; a batch holds at most `maxSize` items.
import type { AnalysisRequest } from "./types.js";

function groupKey(req: AnalysisRequest): string {
  const s = req.result.source;
  const origin = s.type === "file" ? `file:${s.path.split("/").slice(0, -1).join("/")}` : `${s.type}:${s.space}`;
  return `${req.result.ref.namespace ?? "(cluster)"}|${origin}`;
}

/** Indexes into `items`, grouped by relation and cut to `maxSize`. Order inside a group is kept. */
export function planBatches(items: AnalysisRequest[], maxSize: number): number[][] {
  const groups = new Map<string, number[]>();
  items.forEach((item, i) => {
    const key = groupKey(item);
    groups.set(key, [...(groups.get(key) ?? []), i]);
  });
  const batches: number[][] = [];
  for (const indexes of groups.values()) {
    for (let i = 0; i < indexes.length; i += Math.max(1, maxSize)) batches.push(indexes.slice(i, i + maxSize));
  }
  return batches;
}

// `check --analyze`: an `analysis` on every drifted or missing resource of a report, and a short text block for
// people. Analysis failures never fail the check: the analyzer falls back to rules by itself.
import type { DetectionReport, ResourceResult } from "../drift/types.js";
import { driftFingerprint } from "./fingerprint.js";
import type { Analysis, AnalysisContext, Analyzer } from "./types.js";

export type AnalysedResult = ResourceResult & { analysis?: Analysis };
export type AnalysedReport = Omit<DetectionReport, "resources"> & { resources: AnalysedResult[] };

/** What a one-shot check knows about a resource: its unit, from the result's own source. */
export function contextFromSource(result: ResourceResult): AnalysisContext | undefined {
  const s = result.source;
  if (s.type === "file") return undefined;
  return { unit: { space: s.space, unit: s.unit, revision: s.revision } };
}

export async function attachAnalyses(
  report: DetectionReport,
  analyzer: Analyzer,
  contextFor: (r: ResourceResult) => AnalysisContext | undefined = contextFromSource,
): Promise<AnalysedReport> {
  const targets = report.resources.filter((r) => r.status === "Drifted" || r.status === "Missing");
  const analyses = await analyzer.analyze(
    targets.map((result) => ({ result, fingerprint: driftFingerprint(result), context: contextFor(result) })),
  );
  const byResult = new Map(targets.map((r, i) => [r, analyses[i]]));
  return {
    ...report,
    resources: report.resources.map((r) => {
      const analysis = byResult.get(r);
      return analysis ? { ...r, analysis } : r;
    }),
  };
}

/** The text block for one analysis, indented under its resource. */
export function formatAnalysis(a: Analysis, indent = "  "): string[] {
  const by = a.source === "rules" ? "rules" : `${a.source}${a.model ? ` ${a.model}` : ""}`;
  return [
    `${indent}${a.recommendation.action.toUpperCase()} (risk ${a.risk.level}, ${by}, confidence ${a.confidence.toFixed(2)})`,
    `${indent}  ${a.summary}`,
    `${indent}  cause: ${a.likelyCause}`,
    `${indent}  risk: ${a.risk.why}`,
    `${indent}  why ${a.recommendation.action}: ${a.recommendation.rationale}`,
    ...a.commands.map((c) => `${indent}  $ ${c}`),
  ];
}

/** An "Analysis" section after the report's text: one block per analysed resource. */
export function renderAnalyses(report: AnalysedReport): string {
  const lines: string[] = [];
  for (const r of report.resources) {
    if (!r.analysis) continue;
    const ref = `${r.ref.kind} ${r.ref.namespace ? `${r.ref.namespace}/` : ""}${r.ref.name}`;
    lines.push(ref, ...formatAnalysis(r.analysis));
  }
  return lines.length ? `\nAnalysis:\n${lines.join("\n")}\n` : "";
}

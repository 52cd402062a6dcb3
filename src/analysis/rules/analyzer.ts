// The rules analyzer: deterministic, offline, instant. Used alone (DRIFT_ANALYSIS=rules) and as the fallback of
// every model provider, so it must stand on its own: a verdict per class, adjusted by environment and history.
import type { Registry } from "prom-client";
import { type AnalysisCounter, analysisRequestsCounter } from "../metrics.js";
import { createRedactor, type Redactor } from "../redact.js";
import type { Analysis, AnalysisRequest, Analyzer } from "../types.js";
import { classify, type DriftClass } from "./classify.js";
import { inspectCommand, revertCommand } from "./commands.js";
import { environmentOf } from "./environment.js";
import { priorSignals } from "./history.js";
import { VERDICTS, type Verdict } from "./verdicts.js";

// Classes whose verdict history may not soften: the risk does not shrink because someone accepted it before.
const FIRM: ReadonlySet<DriftClass> = new Set(["deleted-object", "privilege-escalation", "rbac-widening"]);

const CLASS_WORDS: Record<DriftClass, string> = {
  "deleted-object": "object deleted",
  "privilege-escalation": "security settings",
  "rbac-widening": "permissions",
  "secret-rotation": "secret values",
  "service-routing": "service routing",
  "image-change": "image",
  "limits-removed": "limits removed",
  "env-config-edit": "configuration",
  "manual-scale": "replicas",
  "resources-edit": "resources",
  "label-annotation-edit": "labels/annotations",
  generic: "other fields",
};

function withHistory(
  v: Verdict,
  req: AnalysisRequest,
  cls: DriftClass,
  changes: AnalysisRequest["result"]["changes"],
): Verdict {
  const prior = priorSignals(req, changes);
  const out = { ...v, recommendation: { ...v.recommendation }, commands: [...v.commands] };
  const d = prior.lastDecision;
  if (d && !FIRM.has(cls) && d.action !== "revert" && d.action !== out.recommendation.action) {
    out.recommendation.action = d.action;
    out.recommendation.rationale = `Operators chose ${d.action} for the same drift before${d.at ? ` (${d.at}${d.by ? `, ${d.by}` : ""})` : ""}${d.reason ? `: ${d.reason}` : ""}. ${out.recommendation.rationale}`;
    out.confidence = Math.max(out.confidence, 0.75);
  }
  if (prior.revertedBefore >= 2) {
    out.recommendation.rationale += ` This drift has come back ${prior.revertedBefore} times after a revert: find who or what keeps making it.`;
    out.commands = [...new Set([...out.commands, inspectCommand(req)])];
  }
  return out;
}

export function analyzeWithRules(request: AnalysisRequest, redactor: Redactor = createRedactor()): Analysis {
  const { result } = request;
  // rules read redacted changes too, so no secret can reach a summary or a command
  const req: AnalysisRequest = {
    ...request,
    result: { ...result, changes: result.changes.map((c) => redactor.change(c, result.ref)) },
  };
  const base = { source: "rules" as const, fingerprint: request.fingerprint };
  if (result.status === "InSync" || result.status === "Error") {
    return {
      summary:
        result.status === "InSync"
          ? "In sync with the hub."
          : `Could not compare: ${redactor.text(result.error ?? "unknown error")}`,
      likelyCause: result.status === "InSync" ? "No drift." : "The comparison itself failed.",
      risk: {
        level: "low",
        why: result.status === "InSync" ? "Nothing differs." : "Drift may be hidden while it fails.",
      },
      recommendation: {
        action: result.status === "InSync" ? "ignore" : "investigate",
        rationale: "Nothing to remediate.",
      },
      commands: result.status === "Error" ? [inspectCommand(req)] : [],
      confidence: 1,
      ...base,
    };
  }
  const cls = classify(req.result);
  const env = environmentOf(req);
  let verdict = VERDICTS[cls.main]({ req, cls, env });
  verdict = withHistory(verdict, req, cls.main, cls.mainChanges);
  if (cls.all.length > 1) {
    const others = cls.all.slice(1).map((c) => CLASS_WORDS[c]);
    verdict = { ...verdict, summary: `${verdict.summary} Also changed: ${others.join(", ")}.` };
  }
  if (verdict.commands.length === 0) verdict = { ...verdict, commands: [revertCommand(req)] };
  return { ...verdict, ...base };
}

export interface RulesAnalyzerOptions {
  redactor?: Redactor;
  /** Counts analyses as drift_detector_analysis_requests_total{provider="rules",outcome="primary"}. */
  registry?: Registry;
}

/** DRIFT_ANALYSIS=rules: every analysis from the rules. */
export class RulesAnalyzer implements Analyzer {
  readonly immediate = true;
  private readonly redactor: Redactor;
  private readonly counter: AnalysisCounter;

  constructor(options: RulesAnalyzerOptions = {}) {
    this.redactor = options.redactor ?? createRedactor();
    this.counter = analysisRequestsCounter(options.registry);
  }

  async analyze(items: AnalysisRequest[]): Promise<Analysis[]> {
    if (items.length) this.counter.inc({ provider: "rules", outcome: "primary" }, items.length);
    return items.map((item) => analyzeWithRules(item, this.redactor));
  }
}

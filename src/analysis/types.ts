// The analysis vocabulary: what an analyzer is asked (a drifted resource plus its context) and what it answers.
// The answer is advice only: nothing in it can trigger an action; remediation always applies the hub's desired state.
import { z } from "zod";
import type { ResourceResult } from "../drift/types.js";

export const RISK_LEVELS = ["critical", "high", "medium", "low"] as const;
export const ACTIONS = ["revert", "accept", "investigate", "ignore"] as const;
export const ANALYSIS_SOURCES = ["claude", "local", "rules"] as const;

export type RiskLevel = (typeof RISK_LEVELS)[number];
export type RecommendedAction = (typeof ACTIONS)[number];
export type AnalysisSource = (typeof ANALYSIS_SOURCES)[number];

const objectRefSchema = z.object({
  apiVersion: z.string(),
  kind: z.string(),
  namespace: z.string().optional(),
  name: z.string(),
});

const attributionSchema = z.object({
  manager: z.string(),
  operation: z.string(),
  subresource: z.string(),
  time: z.string().nullable(),
});

/** Loose mirror of drift/types.ts ResourceResult, for validating requests that cross a boundary (store, API). */
export const resourceResultSchema = z.object({
  ref: objectRefSchema,
  source: z.union([
    z.object({ type: z.literal("file"), path: z.string(), document: z.number().optional() }),
    z.object({ type: z.enum(["hub", "confighub"]), space: z.string(), unit: z.string(), revision: z.number() }),
  ]),
  status: z.enum(["InSync", "Drifted", "Missing", "Error"]),
  severity: z.enum(RISK_LEVELS).nullable(),
  changes: z.array(
    z.object({
      path: z.string(),
      field: z.string(),
      type: z.enum(["changed", "added", "removed"]),
      desired: z.unknown().optional(),
      live: z.unknown().optional(),
      masked: z.boolean(),
      severity: z.enum(RISK_LEVELS),
      by: attributionSchema.nullable(),
    }),
  ),
  ignored: z.array(z.object({ path: z.string(), reason: z.string() })),
  error: z.string().optional(),
});

/** How an earlier drift of the same resource ended. */
export const driftOutcomeSchema = z.enum(["open", "reverted", "accepted", "ignored", "resolved"]);

export const analysisContextSchema = z.object({
  /** The drift record's id when the service tracks it (commands then use `drift-detector drift revert ID`). */
  driftId: z.string().optional(),
  /** Where the desired state came from, beyond ResourceResult.source. */
  unit: z
    .object({
      space: z.string(),
      unit: z.string(),
      revision: z.number().optional(),
      lastChangeDescription: z.string().optional(),
      spaceLabels: z.record(z.string(), z.string()).optional(),
    })
    .optional(),
  /** e.g. "prod"; derived from space labels (env=prod) or the namespace when absent. */
  environment: z.string().optional(),
  /** The resource's earlier drift records, newest first. */
  history: z
    .array(
      z.object({
        openedAt: z.string(),
        resolvedAt: z.string().optional(),
        paths: z.array(z.string()),
        outcome: driftOutcomeSchema,
        by: z.string().optional(),
        note: z.string().optional(),
      }),
    )
    .optional(),
  /** Operators' earlier decisions on similar drift (same kind and paths), newest first. */
  decisions: z
    .array(
      z.object({
        ref: objectRefSchema.optional(),
        paths: z.array(z.string()),
        action: z.enum(["revert", "accept", "ignore"]),
        by: z.string().optional(),
        at: z.string().optional(),
        reason: z.string().optional(),
      }),
    )
    .optional(),
  /** DRIFT_IDENTITY_TO_MODEL: who made the change (from admission), e.g. "alice (groups sre) via kubectl, UPDATE scale at …", or "unknown". */
  changedBy: z.string().optional(),
  /** Related objects: the HPA targeting it, the owner, the Service selecting it... */
  related: z
    .array(
      z.object({
        relation: z.string(),
        ref: objectRefSchema,
        summary: z.string().optional(),
        object: z.unknown().optional(),
      }),
    )
    .optional(),
});

export type AnalysisContext = z.infer<typeof analysisContextSchema>;

export const analysisRequestSchema = z.object({
  result: resourceResultSchema,
  fingerprint: z.string(),
  context: analysisContextSchema.optional(),
});

/** One drifted (or missing) resource to analyse. */
export interface AnalysisRequest {
  result: ResourceResult;
  fingerprint: string;
  context?: AnalysisContext;
}

export const analysisSchema = z.object({
  summary: z.string(),
  likelyCause: z.string(),
  risk: z.object({ level: z.enum(RISK_LEVELS), why: z.string() }),
  recommendation: z.object({ action: z.enum(ACTIONS), rationale: z.string() }),
  commands: z.array(z.string()),
  confidence: z.number().min(0).max(1),
  source: z.enum(ANALYSIS_SOURCES),
  model: z.string().optional(),
  fingerprint: z.string(),
});

export type Analysis = z.infer<typeof analysisSchema>;

export interface AnalyzeOptions {
  /** Aborted (shutdown): requests in flight end and no retry waits; what is left gets the rules' analysis. */
  signal?: AbortSignal;
  /**
   * Told the indexes of the items that got the rules' analysis only because no model could answer for now (rate
   * limited, overloaded, timed out, unreachable): a caller that can wait may ask again later.
   */
  onModelUnavailable?: (indexes: number[]) => void;
}

export interface Analyzer {
  /** Answers at once, with no I/O (the rules): the announcement can carry its analysis; no queue, no second message. */
  readonly immediate?: boolean;
  /** One analysis per request, in the same order. Never rejects for provider failures: those end in rules. */
  analyze(items: AnalysisRequest[], options?: AnalyzeOptions): Promise<Analysis[]>;
}

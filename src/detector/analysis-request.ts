// What the analyzer is asked about a drift record.
import type { AnalysisRequest } from "../analysis/types.js";
import type { DriftRecord } from "./records.js";

/** A record's verdict, and its id so that commands can name it. */
export function analysisRequest(record: DriftRecord): AnalysisRequest {
  return {
    result: {
      ref: record.ref,
      source: record.source,
      status: record.resourceStatus,
      severity: record.severity,
      changes: record.changes,
      ignored: record.ignored,
    },
    fingerprint: record.fingerprint,
    context: {
      driftId: record.id,
      history: record.history.map((h) => ({
        openedAt: h.at,
        paths: h.paths,
        outcome: "open" as const,
        by: h.by.join(", ") || undefined,
      })),
    },
  };
}

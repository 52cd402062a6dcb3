// What the analyzer is asked about a drift record.
import type { AnalysisRequest } from "../analysis/types.js";
import { describeChangedBy } from "../identity/personal-data.js";
import type { DriftRecord } from "./records.js";

/** A record's verdict, and its id so that commands can name it; who made it only when identity may be sent. */
export function analysisRequest(record: DriftRecord, identityToModel = false): AnalysisRequest {
  const changedBy = identityToModel ? describeChangedBy(record.changedBy) : undefined;
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
      ...(changedBy ? { changedBy } : {}),
    },
  };
}

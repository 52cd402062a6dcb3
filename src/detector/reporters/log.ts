// The contract's log lines: one JSON line per drift opened, updated or resolved, and one when its analysis arrives.
import type { Logger } from "pino";
import { describeChangedBy } from "../../identity/personal-data.js";
import { changeAuthors, type DriftEvent, describeRef } from "../records.js";

export function logDriftEvent(logger: Logger, { event, record, snoozedUntil, snoozeEnded }: DriftEvent): void {
  logger.info(
    {
      event,
      resource: describeRef(record.ref),
      paths: record.changes.map((c) => c.path),
      by: changeAuthors(record.changes),
      ...(record.changedBy ? { changedBy: describeChangedBy(record.changedBy) } : {}),
      severity: record.severity,
      ...(record.analysis ? { analysis: record.analysis.summary } : {}),
      cluster: record.cluster,
      driftId: record.id,
      ...(snoozedUntil ? { snoozedUntil } : {}),
      ...(snoozeEnded ? { snoozeEnded } : {}),
      ...(event === "opened" && record.recurrence ? { reopened: record.recurrence.reopened } : {}),
    },
    snoozeEnded
      ? `drift still open after its snooze: ${describeRef(record.ref)}`
      : event === "opened" && record.recurrence?.looping
        ? `drift opened again (${record.recurrence.reopened} times in a row, a loop): ${describeRef(record.ref)}`
        : `drift ${event}: ${describeRef(record.ref)}`,
  );
}

/** The second line of a drift: its analysis (no `event` field: not a transition). */
export function logDriftAnalysis(logger: Logger, { event, record, snoozedUntil }: DriftEvent): void {
  logger.info(
    {
      analysed: event,
      resource: describeRef(record.ref),
      cluster: record.cluster,
      driftId: record.id,
      analysis: record.analysis?.summary,
      analysisSource: record.analysis?.source,
      risk: record.analysis?.risk.level,
      recommendation: record.analysis?.recommendation.action,
      ...(snoozedUntil ? { snoozedUntil } : {}),
    },
    `drift analysed: ${describeRef(record.ref)}`,
  );
}

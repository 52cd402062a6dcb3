// The contract's log line: one JSON line per drift opened, updated or resolved.
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

// The contract's log line: one JSON line per drift opened, updated or resolved.
import type { Logger } from "pino";
import { changeAuthors, type DriftEvent, describeRef } from "../records.js";

export function logDriftEvent(logger: Logger, { event, record, snoozedUntil, snoozeEnded }: DriftEvent): void {
  logger.info(
    {
      event,
      resource: describeRef(record.ref),
      paths: record.changes.map((c) => c.path),
      by: changeAuthors(record.changes),
      severity: record.severity,
      ...(record.analysis ? { analysis: record.analysis.summary } : {}),
      cluster: record.cluster,
      driftId: record.id,
      ...(snoozedUntil ? { snoozedUntil } : {}),
      ...(snoozeEnded ? { snoozeEnded } : {}),
    },
    snoozeEnded
      ? `drift still open after its snooze: ${describeRef(record.ref)}`
      : `drift ${event}: ${describeRef(record.ref)}`,
  );
}

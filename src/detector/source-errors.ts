// Desired documents that cannot be read (bad YAML, a unit that is not an object, an unreadable file). What the
// source no longer says is not a resolution: the open drifts of such a document stay open, marked with the error,
// until it reads again. Here: which error holds a record, and the log lines and metric when errors come and go.
import type { Logger } from "pino";
import type { DesiredError, SourceInfo } from "../drift/types.js";
import type { DriftMetrics } from "./metrics.js";

/** Where a document lives, as errors and records share it: a file (any of its documents) or a hub unit. */
export function sourceLocation(source: SourceInfo): string {
  return source.type === "file" ? source.path : `${source.type}:${source.space}/${source.unit}`;
}

/** The error of the document `source` came from, if it cannot be read now. */
export function sourceErrorFor(source: SourceInfo, errors: readonly DesiredError[]): string | undefined {
  const at = sourceLocation(source);
  return errors.find((e) => sourceLocation(e.source) === at)?.error;
}

export class SourceErrorReport {
  /** Locations failing at the last full detection. */
  private failing = new Set<string>();

  constructor(
    private readonly cluster: string,
    private readonly logger: Logger,
    private readonly metrics: DriftMetrics,
  ) {}

  /** After a full detection: `held` counts the open records each failing location keeps open. */
  update(errors: readonly DesiredError[], held: ReadonlyMap<string, number>): void {
    this.metrics.sourceErrors.set({ cluster: this.cluster }, errors.length);
    const now = new Set<string>();
    for (const e of errors) {
      const at = sourceLocation(e.source);
      if (now.has(at)) continue;
      now.add(at);
      if (this.failing.has(at)) continue;
      this.logger.warn(
        { source: at, err: e.error, heldDrifts: held.get(at) ?? 0 },
        "source error: desired document cannot be read; its open drifts stay open until it reads again",
      );
    }
    for (const at of this.failing) {
      if (!now.has(at)) this.logger.info({ source: at }, "desired document reads again");
    }
    this.failing = now;
  }
}

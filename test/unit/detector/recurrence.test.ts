// The stuck-drift-loop signal: the same drift reopening soon after each resolution becomes a condition on the record
// and a gauge; a different drift, or one that comes back late, starts counting again.
import { Writable } from "node:stream";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { createMetricsRegistry } from "../../../src/app/metrics.js";
import { DriftMetrics } from "../../../src/detector/metrics.js";
import { logDriftEvent } from "../../../src/detector/reporters/log.js";
import { Tracker } from "../../../src/detector/tracker.js";
import type { ResourceResult } from "../../../src/drift/types.js";
import { aChange, aResult } from "../../helpers/builders.js";

const KEY = "apps/v1|Deployment|ns|backend";

/** The Deployment drifted to `replicas` (the same drift every time for the same number), or back in sync. */
function result(replicas?: number): ResourceResult {
  return replicas === undefined
    ? aResult({ status: "InSync", severity: null, changes: [] })
    : aResult({
        changes: [
          aChange({ live: replicas, by: { manager: "hpa-fighter", operation: "Update", subresource: "", time: null } }),
        ],
      });
}

function trackerAt(clock: { t: number }) {
  return new Tracker({ cluster: "c1", logger: pino({ level: "silent" }), now: () => new Date(clock.t) });
}

const MINUTE = 60_000;

describe("drift recurrence", () => {
  it("counts reopenings of the same drift within the window and marks the record looping at the third", async () => {
    const clock = { t: Date.parse("2026-12-03T08:00:00Z") };
    const tracker = trackerAt(clock);
    const first = await tracker.record(KEY, result(5));
    expect(first?.record.recurrence).toBeUndefined();
    let previousId = first?.record.id;
    for (const reopened of [1, 2, 3]) {
      clock.t += 2 * MINUTE;
      expect((await tracker.record(KEY, result()))?.event).toBe("resolved"); // a revert
      clock.t += 1 * MINUTE;
      const ev = await tracker.record(KEY, result(5)); // and it is back
      expect(ev?.event).toBe("opened");
      expect(ev?.record.recurrence).toEqual({ reopened, previousId, looping: reopened >= 3 });
      previousId = ev?.record.id;
    }

    const lines: Array<Record<string, unknown>> = [];
    const sink = new Writable({
      write: (chunk, _enc, cb) => {
        lines.push(JSON.parse(String(chunk)));
        cb();
      },
    });
    logDriftEvent(pino(sink), { event: "opened", record: tracker.openRecords[0]! });
    expect(lines[0]).toMatchObject({ event: "opened", reopened: 3, msg: expect.stringContaining("a loop") });

    const registry = createMetricsRegistry();
    const metrics = new DriftMetrics(registry);
    metrics.openRecords = () => tracker.openRecords;
    expect(await registry.getSingleMetricAsString("drift_detector_looping_drifts")).toContain(
      'drift_detector_looping_drifts{namespace="ns",kind="Deployment"} 1',
    );
  });

  it("starts again when the drift comes back late or differently", async () => {
    const clock = { t: Date.parse("2026-12-03T08:00:00Z") };
    const tracker = trackerAt(clock);
    await tracker.record(KEY, result(5));
    await tracker.record(KEY, result());
    clock.t += MINUTE;
    expect((await tracker.record(KEY, result(5)))?.record.recurrence?.reopened).toBe(1);
    await tracker.record(KEY, result());
    clock.t += 16 * MINUTE; // past the 15-minute window
    expect((await tracker.record(KEY, result(5)))?.record.recurrence).toBeUndefined();
    await tracker.record(KEY, result());
    clock.t += MINUTE;
    expect((await tracker.record(KEY, result(9)))?.record.recurrence).toBeUndefined(); // another drift
  });
});

describe("health gauges for the alert rules", () => {
  it("exports readiness, the watch state of detected clusters and the configured interval", async () => {
    const registry = createMetricsRegistry();
    const metrics = new DriftMetrics(registry);
    let ready = false;
    metrics.ready = () => ready;
    metrics.watchesSynced = () => [
      { cluster: "a", synced: true },
      { cluster: "b", synced: false },
    ];
    metrics.detectionInterval.set(300);
    expect(await registry.getSingleMetricAsString("drift_detector_ready")).toMatch(/^drift_detector_ready 0$/m);
    ready = true;
    expect(await registry.getSingleMetricAsString("drift_detector_ready")).toMatch(/^drift_detector_ready 1$/m);
    const watches = await registry.getSingleMetricAsString("drift_detector_watches_synced");
    expect(watches).toContain('drift_detector_watches_synced{cluster="a"} 1');
    expect(watches).toContain('drift_detector_watches_synced{cluster="b"} 0');
    expect(await registry.getSingleMetricAsString("drift_detector_detection_interval_seconds")).toMatch(/ 300$/m);
  });
});

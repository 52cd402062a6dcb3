import { describe, expect, it } from "vitest";
import { loadRunSettings, shardingOn } from "../../../src/service/settings.js";

const pairs = "dev=hub:payments,dev=hub:orders";
const env = (more: Record<string, string>) => ({ DRIFT_ANALYSIS: "rules", ...more });

describe("DRIFT_SHARDING", () => {
  it("auto: on with PostgreSQL, leader election and more than one source", () => {
    const on = (more: Record<string, string>) => shardingOn(loadRunSettings({ env: env(more) }));
    expect(on({ DRIFT_CLUSTERS: pairs, DATABASE_URL: "postgres://db/x" })).toBe(true);
    expect(on({ DRIFT_CLUSTERS: pairs })).toBe(false); // the embedded store is one process's
    expect(on({ DRIFT_SOURCE: "hub:payments", DATABASE_URL: "postgres://db/x" })).toBe(false); // one Lease is enough
    expect(on({ DRIFT_CLUSTERS: pairs, DATABASE_URL: "postgres://db/x", DRIFT_LEADER_ELECTION: "false" })).toBe(false);
    expect(on({ DRIFT_CLUSTERS: pairs, DATABASE_URL: "postgres://db/x", DRIFT_SHARDING: "off" })).toBe(false);
  });

  it("refuses another value with one line", () => {
    expect(() => loadRunSettings({ env: env({ DRIFT_SOURCE: "x", DRIFT_SHARDING: "on" }) })).toThrow(/DRIFT_SHARDING/);
  });
});

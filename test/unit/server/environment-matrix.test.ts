import { describe, expect, it } from "vitest";
import type { DesiredUnit } from "../../../src/desired/source.js";
import type { ResourceResult } from "../../../src/drift/types.js";
import { environmentMatrix } from "../../../src/server/environment-matrix.js";

function unit(space: string, name: string, id: string, upstream?: [string, number], head = 1): DesiredUnit {
  return {
    space,
    unit: name,
    unitId: id,
    revision: head,
    headRevision: head,
    upstream: upstream ? { unitId: upstream[0], revision: upstream[1] } : null,
  };
}

function verdict(space: string, name: string, status: ResourceResult["status"], severity: ResourceResult["severity"]) {
  return {
    ref: { apiVersion: "v1", kind: "ConfigMap", namespace: space, name },
    source: { type: "hub" as const, space, unit: name, revision: 1 },
    status,
    severity,
    changes: [],
    ignored: [],
  } satisfies ResourceResult;
}

describe("environmentMatrix", () => {
  it("orders a chain along the upstream links, whatever the names say", () => {
    // prod-like names in the wrong alphabetical and suffix order: the clones decide
    const units = [
      unit("shop-prod", "web", "p", ["s", 3]),
      unit("shop-qa", "web", "q", undefined, 4),
      unit("shop-staging", "web", "s", ["q", 2], 3),
    ];
    const [chain] = environmentMatrix(units, []);
    expect(chain?.spaces).toEqual(["shop-qa", "shop-staging", "shop-prod"]);
    expect(chain?.name).toBe("shop");
    const cells = chain?.rows[0]?.cells ?? {};
    expect(cells["shop-staging"]?.behind).toEqual({ upstreamSpace: "shop-qa", upstreamRevision: 4, upgradedFrom: 2 });
    expect(cells["shop-prod"]?.behind).toBeNull(); // upgraded from staging's head
    expect(cells["shop-qa"]?.state).toBe("unknown"); // no verdict yet
  });

  it("groups unlinked spaces by their name before the environment suffix, and marks the worst verdict", () => {
    const units = [
      unit("pay-prod", "api", "1"),
      unit("pay-dev", "api", "2"),
      unit("pay-dev", "worker", "3"),
      unit("tools", "ci", "4"),
    ];
    const results = [
      verdict("pay-prod", "api", "Drifted", "medium"),
      verdict("pay-prod", "api", "Drifted", "high"),
      verdict("pay-prod", "api", "InSync", null),
      verdict("pay-dev", "api", "InSync", null),
      verdict("pay-dev", "worker", "Missing", "critical"),
      verdict("tools", "ci", "Error", null),
    ];
    const chains = environmentMatrix(units, results);
    expect(chains.map((c) => [c.name, c.spaces])).toEqual([
      ["pay", ["pay-dev", "pay-prod"]],
      ["tools", ["tools"]],
    ]);
    const pay = chains[0]!;
    expect(pay.rows.map((r) => r.unit)).toEqual(["api", "worker"]);
    expect(pay.rows[0]?.cells["pay-prod"]).toMatchObject({
      state: "drifted",
      severity: "high",
      drifted: 2,
      objects: 3,
    });
    expect(pay.rows[0]?.cells["pay-dev"]).toMatchObject({ state: "in-sync", severity: null });
    expect(pay.rows[1]?.cells["pay-dev"]).toMatchObject({ state: "missing", severity: "critical" });
    expect(pay.rows[1]?.cells["pay-prod"]).toBeNull(); // no such unit there
    expect(chains[1]?.rows[0]?.cells.tools?.state).toBe("error");
  });
});

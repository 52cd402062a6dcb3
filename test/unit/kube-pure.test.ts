import { describe, expect, it } from "vitest";
import { exitCodeOf, useColor } from "../../src/cli/commands/check.js";
import { mapLimit } from "../../src/detector/concurrency.js";
import { summarize } from "../../src/drift/engine.js";
import type { ResourceResult } from "../../src/drift/types.js";
import { resourcePath } from "../../src/kube/discovery.js";
import { appliedKey, DryRunCache, objectHash } from "../../src/kube/dryrun-cache.js";
import { UnknownKindError } from "../../src/kube/errors.js";

describe("DryRunCache", () => {
  it("evicts the least recently used entry beyond its bound and counts hits and misses", () => {
    const cache = new DryRunCache<number>(2);
    cache.set("a", 1);
    cache.set("b", 2);
    expect(cache.get("a")).toBe(1); // a is now the most recent
    cache.set("c", 3);
    expect(cache.get("b")).toBeUndefined();
    expect(cache.get("a")).toBe(1);
    expect(cache.get("c")).toBe(3);
    expect(cache.size).toBe(2);
    expect(cache.stats).toEqual({ hits: 3, misses: 1 });
  });

  it("keys by content independent of key order, and by live resourceVersion", () => {
    expect(objectHash({ a: 1, b: { c: [1, 2] } })).toBe(objectHash({ b: { c: [1, 2] }, a: 1 }));
    expect(objectHash({ a: 1 })).not.toBe(objectHash({ a: "1" }));
    expect(appliedKey("h", "10")).not.toBe(appliedKey("h", "11"));
  });
});

describe("resourcePath", () => {
  const deployments = {
    group: "apps",
    version: "v1",
    apiVersion: "apps/v1",
    kind: "Deployment",
    plural: "deployments",
    namespaced: true,
    verbs: [],
  };
  it("builds core, group, namespaced and cluster-scoped paths", () => {
    expect(resourcePath(deployments, "qa", "backend")).toBe("/apis/apps/v1/namespaces/qa/deployments/backend");
    expect(resourcePath({ ...deployments, group: "", apiVersion: "v1", plural: "configmaps" }, "qa")).toBe(
      "/api/v1/namespaces/qa/configmaps",
    );
    expect(resourcePath({ ...deployments, namespaced: false, plural: "clusterroles" }, "qa", "x")).toBe(
      "/apis/apps/v1/clusterroles/x",
    );
  });
  it("names the group/version of an unknown kind", () => {
    expect(new UnknownKindError("v1", "Widget").message).toBe("the cluster does not serve Widget in core/v1");
    expect(new UnknownKindError("example.com/v1", "Widget").message).toBe(
      "the cluster does not serve Widget in example.com/v1",
    );
  });
});

describe("check exit codes", () => {
  const r = (status: ResourceResult["status"]): ResourceResult => ({
    ref: { apiVersion: "v1", kind: "ConfigMap", name: status },
    source: { type: "file", path: "x" },
    status,
    severity: null,
    changes: [],
    ignored: [],
  });
  it("is 0 in sync, 1 on drift or missing (even with errors), 2 on errors alone", () => {
    expect(exitCodeOf(summarize([r("InSync")], "client"))).toBe(0);
    expect(exitCodeOf(summarize([r("InSync"), r("Drifted")], "client"))).toBe(1);
    expect(exitCodeOf(summarize([r("Missing"), r("Error")], "client"))).toBe(1);
    expect(exitCodeOf(summarize([r("InSync"), r("Error")], "client"))).toBe(2);
    expect(exitCodeOf(summarize([], "client"))).toBe(0);
  });
  it("colours only a TTY without NO_COLOR", () => {
    const tty = { isTTY: true } as NodeJS.WriteStream;
    expect(useColor(tty, {})).toBe(true);
    expect(useColor(tty, { NO_COLOR: "1" })).toBe(false);
    expect(useColor({ isTTY: false } as NodeJS.WriteStream, {})).toBe(false);
  });
});

describe("mapLimit", () => {
  it("keeps order and never exceeds the limit", async () => {
    let inFlight = 0;
    let peak = 0;
    const out = await mapLimit([5, 1, 4, 2, 3, 0], 2, async (n) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((r) => setTimeout(r, n));
      inFlight--;
      return n * 10;
    });
    expect(out).toEqual([50, 10, 40, 20, 30, 0]);
    expect(peak).toBe(2);
  });
});

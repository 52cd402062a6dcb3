import { describe, expect, it } from "vitest";
import { exitCodeOf, useColor } from "../../../src/cli/commands/check.js";
import { summarize } from "../../../src/drift/engine.js";
import type { ResourceResult } from "../../../src/drift/types.js";
import { resourcePath } from "../../../src/kube/discovery.js";
import { appliedKey, DryRunCache, defaultedKey, objectHash } from "../../../src/kube/dryrun-cache.js";
import { UnknownKindError } from "../../../src/kube/errors.js";
import { mapLimit } from "../../../src/lib/concurrency.js";

describe("DryRunCache", () => {
  const web = { apiVersion: "apps/v1", kind: "Deployment", namespace: "qa", name: "web" };
  const db = { ...web, name: "db" };

  it("keeps one entry per view: a newer key replaces the older, and counts hits and misses", () => {
    const cache = new DryRunCache<number>();
    cache.set(appliedKey(web, "h1", "10"), 1);
    cache.set(defaultedKey(web, "h1"), 2);
    expect(cache.get(appliedKey(web, "h1", "10"))).toBe(1);
    cache.set(appliedKey(web, "h1", "11"), 3); // live changed: the view for version 10 cannot be asked for again
    expect(cache.get(appliedKey(web, "h1", "10"))).toBeUndefined();
    expect(cache.get(appliedKey(web, "h1", "11"))).toBe(3);
    expect(cache.get(defaultedKey(web, "h1"))).toBe(2);
    expect(cache.get(appliedKey(db, "h1", "11"))).toBeUndefined(); // another object, same content key
    expect(cache.size).toBe(2);
    expect(cache.stats).toEqual({ hits: 3, misses: 2 });
  });

  it("forgets the views of objects no longer desired", () => {
    const cache = new DryRunCache<number>();
    for (const ref of [web, db]) {
      cache.set(appliedKey(ref, "h", "1"), 1);
      cache.set(defaultedKey(ref, "h"), 2);
    }
    cache.retainObjects([db]);
    expect(cache.size).toBe(2);
    expect(cache.get(appliedKey(db, "h", "1"))).toBe(1);
    expect(cache.get(defaultedKey(web, "h"))).toBeUndefined();
  });

  it("keys by content independent of key order, and by live version", () => {
    expect(objectHash({ a: 1, b: { c: [1, 2] } })).toBe(objectHash({ b: { c: [1, 2] }, a: 1 }));
    expect(objectHash({ a: 1 })).not.toBe(objectHash({ a: "1" }));
    expect(appliedKey(web, "h", "10")).not.toEqual(appliedKey(web, "h", "11"));
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

import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KubeConfig } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { dryRunStorePath, loadDryRuns, MAX_AGE_MS, MAX_VIEWS } from "../../../src/detection/dryrun-store.js";
import type { KubeObject, ObjectRef } from "../../../src/drift/types.js";
import { appliedKey, defaultedKey } from "../../../src/kube/dryrun-cache.js";

const ref = (name: string): ObjectRef => ({ apiVersion: "v1", kind: "ConfigMap", namespace: "a", name });
const view = (name: string): KubeObject => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name } });
const file = () => join(mkdtempSync(join(tmpdir(), "dd-store-")), "dryrun", "c.json");

function kubeConfig(server: string, caData: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: "c", server, caData }],
    users: [{ name: "u", token: "t" }],
    contexts: [{ name: "x", cluster: "c", user: "u" }],
    currentContext: "x",
  });
  return kc;
}

describe("persisted dry-runs", () => {
  it("a later process finds the views of an earlier one", async () => {
    const path = file();
    const first = loadDryRuns(path);
    first.cache.set(appliedKey(ref("one"), "h1", "l1"), view("applied"));
    first.cache.set(defaultedKey(ref("one"), "h1"), view("defaulted"));
    await first.save([ref("one")]);

    const second = loadDryRuns(path);
    expect(second.cache.get(appliedKey(ref("one"), "h1", "l1"))).toEqual(view("applied"));
    expect(second.cache.get(defaultedKey(ref("one"), "h1"))).toEqual(view("defaulted"));
    expect(second.cache.get(appliedKey(ref("one"), "h1", "l2"))).toBeUndefined(); // live changed: ask again
  });

  it("never writes a Secret's views, and the file is the user's alone", async () => {
    const path = file();
    const secret: ObjectRef = { apiVersion: "v1", kind: "Secret", namespace: "a", name: "db" };
    const store = loadDryRuns(path);
    store.cache.set(appliedKey(secret, "h", "l"), {
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "db" },
      data: { password: "aHVudGVyMg==" },
    } as KubeObject);
    store.cache.set(appliedKey(ref("one"), "h", "l"), view("applied"));
    await store.save([secret, ref("one")]);
    expect(readFileSync(path, "utf8")).not.toContain("aHVudGVyMg==");
    expect(loadDryRuns(path).cache.get(appliedKey(ref("one"), "h", "l"))).toEqual(view("applied"));
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(join(path, "..")).mode & 0o777).toBe(0o700);
  });

  it("refusals are asked again next run; old views expire", async () => {
    const path = file();
    const t0 = Date.now();
    const first = loadDryRuns(path, t0);
    first.cache.set(appliedKey(ref("refused"), "h", "l"), null);
    first.cache.set(appliedKey(ref("kept"), "h", "l"), view("kept"));
    await first.save([]);
    expect(loadDryRuns(path, t0).cache.get(appliedKey(ref("refused"), "h", "l"))).toBeUndefined();
    expect(loadDryRuns(path, t0).cache.get(appliedKey(ref("kept"), "h", "l"))).toEqual(view("kept"));
    expect(loadDryRuns(path, t0 + MAX_AGE_MS + 1).cache.size).toBe(0);
  });

  it("over the bound, this run's objects are kept", async () => {
    const path = file();
    const store = loadDryRuns(path);
    for (let i = 0; i < MAX_VIEWS; i++) store.cache.set(appliedKey(ref(`old${i}`), "h", "l"), view("old"));
    store.cache.set(appliedKey(ref("now"), "h", "l"), view("now"));
    await store.save([ref("now")]);
    const next = loadDryRuns(path);
    expect(next.cache.size).toBe(MAX_VIEWS);
    expect(next.cache.get(appliedKey(ref("now"), "h", "l"))).toEqual(view("now"));
  });

  it("a missing or unreadable file is an empty cache", () => {
    const path = file();
    expect(loadDryRuns(path).cache.size).toBe(0);
    const bad = join(path, "..", "..", "bad.json");
    writeFileSync(bad, "{not json");
    expect(loadDryRuns(bad).cache.size).toBe(0);
  });

  it("another cluster (server or CA) has its own file", () => {
    const a = dryRunStorePath(kubeConfig("https://127.0.0.1:6443", "Y2Ex"), "/c");
    expect(dryRunStorePath(kubeConfig("https://127.0.0.1:6443", "Y2Ex"), "/c")).toBe(a);
    expect(dryRunStorePath(kubeConfig("https://127.0.0.1:6443", "Y2Ey"), "/c")).not.toBe(a);
    expect(dryRunStorePath(kubeConfig("https://127.0.0.1:7443", "Y2Ex"), "/c")).not.toBe(a);
  });
});

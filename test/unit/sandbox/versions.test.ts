import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { findTestenvDir } from "../../../src/sandbox/locate.js";
import { cacheKey, readPinnedVersions, requiredVersion } from "../../../src/sandbox/versions.js";

describe("pinned control-plane versions", () => {
  it("reads a requirement from a single line or a block", () => {
    expect(requiredVersion("module m\n\nrequire k8s.io/kubernetes v1.34.4\n", "k8s.io/kubernetes")).toBe("v1.34.4");
    const block = "require (\n\tgo.etcd.io/etcd/server/v3 v3.6.4\n\tgithub.com/x/y v1.0.0 // indirect\n)\n";
    expect(requiredVersion(block, "go.etcd.io/etcd/server/v3")).toBe("v3.6.4");
    expect(requiredVersion(block, "go.etcd.io/etcd/server")).toBeUndefined();
  });

  it("keys the cache by both versions", () => {
    expect(cacheKey({ kubernetes: "v1.34.4", etcd: "v3.6.4" })).toBe("k8s-v1.34.4_etcd-v3.6.4");
  });

  it("testenv pins every staging module at the release's v0 version", async () => {
    const testenv = findTestenvDir();
    const { kubernetes, etcd } = await readPinnedVersions(testenv);
    expect(kubernetes).toMatch(/^v1\.\d+\.\d+$/);
    expect(etcd).toMatch(/^v3\.\d+\.\d+$/);
    const staging = `v0.${kubernetes.slice("v1.".length)}`;
    const goMod = await readFile(join(testenv, "k8s", "go.mod"), "utf8");
    const replaces = [...goMod.matchAll(/^\s*(k8s\.io\/[\w.-]+) => (k8s\.io\/[\w.-]+) (v\S+)/gm)];
    expect(replaces.length).toBeGreaterThan(20);
    for (const [, from, to, version] of replaces) {
      expect(to).toBe(from);
      expect(version, from).toBe(staging);
    }
  });
});

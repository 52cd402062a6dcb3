import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { DirectorySource } from "../../../src/desired/directory.js";
import type { ObjectRef, SourceInfo } from "../../../src/drift/types.js";
import { NamespaceSetSource, splitNamespaces } from "../../../src/sharding/namespaces.js";
import { shardLeaseName, shardOf, sourceScope } from "../../../src/sharding/shard.js";

const ref = (namespace?: string): ObjectRef => ({ apiVersion: "v1", kind: "ConfigMap", name: "x", namespace });
const file = (path: string): SourceInfo => ({ type: "file", path });
const hub = (space: string, type: "hub" | "confighub" = "hub"): SourceInfo => ({ type, space, unit: "u", revision: 1 });

describe("shards", () => {
  it("a shard's Lease name is a DNS name of at most 63 characters, one per key", () => {
    const a = shardLeaseName("drift-detector", shardOf("kind-prod", "hub:payments").key);
    const b = shardLeaseName("drift-detector", shardOf("kind-prod", "hub:orders").key);
    expect(a).toMatch(/^drift-detector-shard-[0-9a-f]{12}$/);
    expect(a).not.toBe(b);
    expect(shardLeaseName("x".repeat(80), "k").length).toBeLessThanOrEqual(63);
  });

  it("a hub shard's records are those of its space", () => {
    const scope = sourceScope("hub:payments");
    expect(scope({ source: hub("payments"), ref: ref("a") })).toBe(true);
    expect(scope({ source: hub("orders"), ref: ref("a") })).toBe(false);
    expect(scope({ source: hub("payments", "confighub"), ref: ref("a") })).toBe(false);
    expect(scope({ source: file("payments/x.yaml"), ref: ref("a") })).toBe(false);
  });

  it("a directory shard's records are those of files under it, and of its namespace set", () => {
    expect(sourceScope("./manifests/")({ source: file("manifests/a/x.yaml"), ref: ref() })).toBe(true);
    expect(sourceScope("./manifests")({ source: file("manifests-old/x.yaml"), ref: ref() })).toBe(false);
    const teams = sourceScope("/m#team-a+team-b");
    expect(teams({ source: file("/m/x.yaml"), ref: ref("team-b") })).toBe(true);
    expect(teams({ source: file("/m/x.yaml"), ref: ref("team-c") })).toBe(false);
    expect(sourceScope("/m#default")({ source: file("/m/x.yaml"), ref: ref() })).toBe(true);
  });

  it("splits a namespace set off a directory, never off a hub space", () => {
    expect(splitNamespaces("/m#a+b")).toEqual({ base: "/m", namespaces: new Set(["a", "b"]) });
    expect(splitNamespaces("/m")).toEqual({ base: "/m" });
    expect(splitNamespaces("hub:a#b")).toEqual({ base: "hub:a#b" });
  });
});

describe("NamespaceSetSource", () => {
  const dir = mkdtempSync(join(tmpdir(), "ns-shard-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("keeps the objects of its namespaces (none named: default) from a real directory", async () => {
    const cm = (name: string, ns?: string) =>
      `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ${name}${ns ? `, namespace: ${ns}` : ""}}\n`;
    writeFileSync(join(dir, "all.yaml"), [cm("a", "team-a"), cm("b", "team-b"), cm("c")].join("---\n"));
    const inner = new DirectorySource(dir);
    const names = async (set: string[]) =>
      (await new NamespaceSetSource(inner, new Set(set)).load()).objects.map((d) => d.ref.name).sort();
    expect(await names(["team-a"])).toEqual(["a"]);
    expect(await names(["team-b", "default"])).toEqual(["b", "c"]);
    expect(new NamespaceSetSource(inner, new Set(["x", "y"])).description).toBe(`${dir}#x+y`);
  });
});

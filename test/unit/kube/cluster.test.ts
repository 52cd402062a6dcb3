import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadCluster } from "../../../src/kube/cluster.js";
import { KubeConfigError } from "../../../src/kube/errors.js";

const kubeconfig = (current: string) => `apiVersion: v1
kind: Config
current-context: ${current}
clusters:
  - name: a
    cluster: {server: "https://a.example.com:6443/", insecure-skip-tls-verify: true}
  - name: b
    cluster: {server: "https://b.example.com:6443", insecure-skip-tls-verify: true}
users:
  - name: u
    user: {token: t}
contexts:
  - name: ctx-a
    context: {cluster: a, user: u, namespace: qa}
  - name: ctx-b
    context: {cluster: b, user: u}
`;

describe("loadCluster", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "dd-kc-"));
    await writeFile(join(dir, "config"), kubeconfig("ctx-a"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("uses the current context, its namespace and server", () => {
    const c = loadCluster({ kubeconfig: join(dir, "config"), env: {} });
    expect([c.contextName, c.namespace, c.server, c.origin]).toEqual([
      "ctx-a",
      "qa",
      "https://a.example.com:6443",
      join(dir, "config"),
    ]);
  });

  it("switches context with --context; a context without namespace has none", () => {
    const c = loadCluster({ kubeconfig: join(dir, "config"), context: "ctx-b", env: {} });
    expect([c.contextName, c.namespace, c.server]).toEqual(["ctx-b", undefined, "https://b.example.com:6443"]);
  });

  it("reads KUBECONFIG when no --kubeconfig is given, and --kubeconfig wins over it", async () => {
    await writeFile(join(dir, "other"), kubeconfig("ctx-b"));
    expect(loadCluster({ env: { KUBECONFIG: join(dir, "other") } }).contextName).toBe("ctx-b");
    expect(loadCluster({ kubeconfig: join(dir, "config"), env: { KUBECONFIG: join(dir, "other") } }).contextName).toBe(
      "ctx-a",
    );
  });

  it("fails with one clear line for a missing file, an unknown context or no configuration at all", () => {
    expect(() => loadCluster({ kubeconfig: join(dir, "nope"), env: {} })).toThrow(
      new KubeConfigError(`kubeconfig ${join(dir, "nope")} does not exist`),
    );
    expect(() => loadCluster({ kubeconfig: join(dir, "config"), context: "x", env: {} })).toThrow(
      `context x not found in ${join(dir, "config")} (contexts: ctx-a, ctx-b)`,
    );
    expect(() => loadCluster({ env: { HOME: dir, KUBECONFIG: "" } })).toThrow(/no cluster configured/);
    expect(() => loadCluster({ env: { KUBECONFIG: join(dir, "missing") } })).toThrow(
      /KUBECONFIG names no existing file/,
    );
  });
});

import { chmod, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ensureControlPlane } from "../../../src/sandbox/build.js";
import { SandboxError } from "../../../src/sandbox/errors.js";
import { findTestenvDir } from "../../../src/sandbox/locate.js";
import { runStep } from "../../../src/sandbox/run-step.js";
import { cacheKey, readPinnedVersions } from "../../../src/sandbox/versions.js";

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

async function folderWith(names: string[]): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "sandbox-build-"));
  dirs.push(dir);
  for (const n of names) {
    await writeFile(join(dir, n), "#!/bin/sh\n");
    await chmod(join(dir, n), 0o755);
  }
  return dir;
}

// No `go` can be found on this PATH.
const NO_GO = { PATH: "/nonexistent" };

describe("getting the control-plane binaries", () => {
  it("without Go and without KUBEBUILDER_ASSETS names both ways in one line", async () => {
    const cacheRoot = await folderWith([]);
    const err = await ensureControlPlane({ env: NO_GO, cacheRoot }).catch((e) => e);
    expect(err).toBeInstanceOf(SandboxError);
    expect(err.message).not.toContain("\n");
    expect(err.message).toMatch(/Go/);
    expect(err.message).toMatch(/KUBEBUILDER_ASSETS/);
  });

  it("uses KUBEBUILDER_ASSETS as is, without a controller manager", async () => {
    const assets = await folderWith(["kube-apiserver", "etcd", "kubectl", "kube-controller-manager"]);
    const b = await ensureControlPlane({ env: { ...NO_GO, KUBEBUILDER_ASSETS: assets } });
    expect(b).toMatchObject({
      origin: "kubebuilder-assets",
      etcd: join(assets, "etcd"),
      kubeControllerManager: undefined,
    });
  });

  it("says which binaries KUBEBUILDER_ASSETS lacks", async () => {
    const assets = await folderWith(["kube-apiserver"]);
    await expect(ensureControlPlane({ env: { KUBEBUILDER_ASSETS: assets } })).rejects.toThrow(/lacks .*etcd, kubectl/);
  });

  it("reuses the build cached under the pinned versions' key without needing Go", async () => {
    const cacheRoot = await folderWith([]);
    const key = cacheKey(await readPinnedVersions(findTestenvDir()));
    await mkdir(join(cacheRoot, key));
    for (const n of ["kube-apiserver", "kube-controller-manager", "kubectl", "etcd"]) {
      await writeFile(join(cacheRoot, key, n), "#!/bin/sh\n", { mode: 0o755 });
    }
    const b = await ensureControlPlane({ env: NO_GO, cacheRoot });
    expect(b).toMatchObject({ origin: "cache", kubeApiserver: join(cacheRoot, key, "kube-apiserver") });
  });
});

describe("a build step", () => {
  it("fails with its title and last output lines", async () => {
    const step = {
      title: "go build etcd",
      command: "sh",
      args: ["-c", "for i in $(seq 1 40); do echo line$i; done; echo 'main.go:3: undefined: x' >&2; exit 3"],
      cwd: tmpdir(),
    };
    const err = await runStep(step, { log: () => {}, heartbeatMs: 60_000, tailLines: 5 }).catch((e) => e);
    expect(err).toBeInstanceOf(SandboxError);
    expect(err.message).toMatch(/^go build etcd failed \(exit 3\)/);
    expect(err.message).toContain("main.go:3: undefined: x");
    expect(err.message).toContain("line40");
    expect(err.message).not.toContain("line30");
  });

  it("shows signs of life while it runs", async () => {
    const lines: string[] = [];
    const step = { title: "go build kubectl", command: "sh", args: ["-c", "echo pkg/a; sleep 0.5"], cwd: tmpdir() };
    await runStep(step, { log: (l) => lines.push(l), heartbeatMs: 100 });
    expect(lines.length).toBeGreaterThanOrEqual(2);
    expect(lines[0]).toMatch(/go build kubectl: \d+s, 1 lines of output, last: pkg\/a/);
  });
});

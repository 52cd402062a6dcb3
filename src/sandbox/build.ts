import { execFile } from "node:child_process";
import { constants, existsSync } from "node:fs";
import { access, mkdir, readdir, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { SandboxError } from "./errors.js";
import { controlPlaneCacheRoot, findTestenvDir } from "./locate.js";
import { isAlive } from "./processes.js";
import { formatDuration, runStep } from "./run-step.js";
import { cacheKey, readPinnedVersions } from "./versions.js";

/** Paths of the control-plane binaries a sandbox runs. */
export interface ControlPlaneBinaries {
  /** `kubebuilder-assets`: taken from $KUBEBUILDER_ASSETS (no controller manager); `cache`: built earlier; `built`: just now. */
  origin: "kubebuilder-assets" | "cache" | "built";
  dir: string;
  etcd: string;
  kubeApiserver: string;
  kubectl: string;
  /** Absent with KUBEBUILDER_ASSETS (the envtest convention ships no controller manager). */
  kubeControllerManager?: string;
}

export interface BuildOptions {
  env?: NodeJS.ProcessEnv;
  log?: (line: string) => void;
  heartbeatMs?: number;
  testenvDir?: string;
  cacheRoot?: string;
}

const K8S_COMMANDS = ["kube-apiserver", "kube-controller-manager", "kubectl"];
const ALL_BINARIES = [...K8S_COMMANDS, "etcd"];

/**
 * The binaries to run: those in $KUBEBUILDER_ASSETS, else the cached build for the versions pinned in testenv/,
 * building it first when missing (one `go build` for the three Kubernetes commands so they share packages, one for
 * etcd; into a temp folder renamed into place, so an interrupted build never leaves a half cache).
 */
export async function ensureControlPlane(opts: BuildOptions = {}): Promise<ControlPlaneBinaries> {
  const env = opts.env ?? process.env;
  const log = opts.log ?? (() => {});
  const assets = env.KUBEBUILDER_ASSETS;
  if (assets) return fromKubebuilderAssets(assets);

  const testenvDir = opts.testenvDir ?? findTestenvDir();
  const key = cacheKey(await readPinnedVersions(testenvDir));
  const root = opts.cacheRoot ?? controlPlaneCacheRoot(env);
  const dir = join(root, key);
  if (await allExecutable(dir, ALL_BINARIES)) return binariesIn(dir, "cache");

  const go = await goVersion(env);
  if (!go) {
    throw new SandboxError(
      "cannot get a control plane: no Go toolchain (`go` on PATH) to build it from testenv/, and KUBEBUILDER_ASSETS is not set; " +
        "install Go >= 1.24 (https://go.dev/dl/), or set KUBEBUILDER_ASSETS to a folder holding kube-apiserver, etcd and kubectl",
    );
  }
  await mkdir(root, { recursive: true });
  await removeAbandonedBuilds(root, key);
  const tmp = join(root, `.building-${key}-${process.pid}`);
  await rm(tmp, { recursive: true, force: true });
  await mkdir(tmp);
  const started = Date.now();
  log(
    `building the control plane ${key} with ${go} into ${dir} (once per machine; cold it takes a while on few cores)`,
  );
  const stepOpts = { log, heartbeatMs: opts.heartbeatMs ?? (process.stderr.isTTY ? 10_000 : 30_000) };
  const goFlags = ["build", "-v", "-trimpath", "-buildvcs=false", "-ldflags=-s -w"];
  // `go build -v` names each package it compiles; `go: downloading …` lines are module fetches.
  const progress = { unit: "packages built", counts: (line: string) => !line.startsWith("go: ") };
  try {
    await runStep(
      {
        title: `go build ${K8S_COMMANDS.join(" ")}`,
        command: "go",
        args: [...goFlags, "-o", `${tmp}/`, ...K8S_COMMANDS.map((c) => `k8s.io/kubernetes/cmd/${c}`)],
        cwd: join(testenvDir, "k8s"),
        env,
        ...progress,
      },
      stepOpts,
    );
    await runStep(
      {
        title: "go build etcd",
        command: "go",
        args: [...goFlags, "-o", join(tmp, "etcd"), "."],
        cwd: join(testenvDir, "etcd"),
        env,
        ...progress,
      },
      stepOpts,
    );
    if (!(await allExecutable(tmp, ALL_BINARIES)))
      throw new SandboxError(`the build left no complete set of binaries in ${tmp}`);
    try {
      await rename(tmp, dir);
    } catch (err) {
      // Another process finished the same build first: its result is as good as ours.
      if (!(await allExecutable(dir, ALL_BINARIES))) throw err;
    }
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  log(`built the control plane in ${formatDuration(Date.now() - started)}`);
  return binariesIn(dir, "built");
}

async function fromKubebuilderAssets(dir: string): Promise<ControlPlaneBinaries> {
  if (!existsSync(dir))
    throw new SandboxError(`KUBEBUILDER_ASSETS=${dir} does not exist (unset it to build the control plane with Go)`);
  const needed = ["kube-apiserver", "etcd", "kubectl"];
  const missing: string[] = [];
  for (const name of needed) if (!(await allExecutable(dir, [name]))) missing.push(name);
  if (missing.length > 0) {
    throw new SandboxError(
      `KUBEBUILDER_ASSETS=${dir} lacks an executable ${missing.join(", ")}; it must hold kube-apiserver, etcd and kubectl (or unset it to build them with Go)`,
    );
  }
  return { ...binariesIn(dir, "kubebuilder-assets"), kubeControllerManager: undefined };
}

function binariesIn(dir: string, origin: ControlPlaneBinaries["origin"]): ControlPlaneBinaries {
  return {
    origin,
    dir,
    etcd: join(dir, "etcd"),
    kubeApiserver: join(dir, "kube-apiserver"),
    kubectl: join(dir, "kubectl"),
    kubeControllerManager: join(dir, "kube-controller-manager"),
  };
}

async function allExecutable(dir: string, names: string[]): Promise<boolean> {
  try {
    await Promise.all(names.map((n) => access(join(dir, n), constants.X_OK)));
    return true;
  } catch {
    return false;
  }
}

/** `go version` output, or undefined when there is no Go toolchain. */
async function goVersion(env: NodeJS.ProcessEnv): Promise<string | undefined> {
  try {
    const { stdout } = await promisify(execFile)("go", ["env", "GOVERSION"], { env });
    return stdout.trim() || "go";
  } catch {
    return undefined;
  }
}

/** Temp folders of builds whose process is gone (killed mid-build). */
async function removeAbandonedBuilds(root: string, key: string): Promise<void> {
  const prefix = `.building-${key}-`;
  for (const entry of await readdir(root)) {
    if (!entry.startsWith(prefix)) continue;
    const pid = Number(entry.slice(prefix.length));
    if (Number.isInteger(pid) && pid !== process.pid && isAlive(pid)) continue;
    await rm(join(root, entry), { recursive: true, force: true });
  }
}

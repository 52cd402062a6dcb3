// The sandbox: a real local control plane (etcd, kube-apiserver, kube-controller-manager) started from the binaries
// that build.ts makes from testenv/, with its own PKI and kubeconfig, all under one folder; start, stop and status.
import { existsSync } from "node:fs";
import { mkdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { type BuildOptions, type ControlPlaneBinaries, ensureControlPlane } from "./build.js";
import { SandboxError } from "./errors.js";
import { apiserverArgs, controllerManagerArgs, etcdArgs, type SandboxPorts } from "./flags.js";
import { httpsStatus } from "./health.js";
import { renderKubeconfig } from "./kubeconfig.js";
import { COMPONENTS, type Component, type SandboxLayout, sandboxLayout } from "./layout.js";
import { withLock } from "./lock.js";
import { ensurePki } from "./pki.js";
import { freePorts, isPortFree } from "./ports.js";
import { isOurProcess, readPidFile, spawnDetached, stopRecorded } from "./processes.js";
import { formatDuration } from "./run-step.js";
import { errorLines, readLogTail, waitFor } from "./wait.js";

/** What a running sandbox needs to be found again: written to D/run/state.json at start. */
interface SandboxState {
  ports: SandboxPorts;
  binaries: Record<Component, string | null>;
  startedAt: string;
}

export interface ComponentStatus {
  component: Component;
  pid?: number;
  running: boolean;
}

export interface SandboxStatus {
  dir: string;
  /** `partial`: some of its processes died (e.g. a killed etcd); `start` recovers it. */
  state: "running" | "stopped" | "partial";
  components: ComponentStatus[];
  /** The apiserver answered /readyz with 200 (only checked while running). */
  ready: boolean;
  server?: string;
  kubeconfig: string;
  kubectl: string;
}

export interface StartResult extends SandboxStatus {
  alreadyRunning: boolean;
  elapsedMs: number;
}

export interface StartOptions extends BuildOptions {
  readyTimeoutMs?: number;
}

/**
 * Starts etcd, kube-apiserver and (unless KUBEBUILDER_ASSETS is used) kube-controller-manager in the background,
 * with data, logs, pid files and certificates under `dir`; waits until the apiserver is ready and writes
 * D/kubeconfig and D/bin/kubectl. On a running sandbox it only reports; a partly running one is stopped and
 * started afresh (its etcd data is kept).
 */
export async function start(dir: string, opts: StartOptions = {}): Promise<StartResult> {
  const l = sandboxLayout(dir);
  await mkdir(join(l.dir, "run"), { recursive: true });
  const onWait = (pid: number) =>
    opts.log?.(`another sandbox start (pid ${pid}) is at work in ${l.dir}; waiting for it`);
  return withLock(join(l.dir, "run", "start.lock"), onWait, () => startLocked(l, opts));
}

async function startLocked(l: SandboxLayout, opts: StartOptions): Promise<StartResult> {
  const log = opts.log ?? (() => {});
  const dir = l.dir;
  const started = Date.now();
  const timeoutMs = opts.readyTimeoutMs ?? 90_000;
  const before = await status(dir);
  if (before.state === "running") {
    // All processes live: a slow /readyz (a busy machine) is no reason to restart; wait for it.
    const ready = before.ready || (await waitFor(timeoutMs, async () => (await status(dir)).ready || undefined));
    if (!ready) {
      throw new SandboxError(
        `the sandbox in ${dir} runs but its apiserver is not ready after ${formatDuration(timeoutMs)}; see ${l.logFile("kube-apiserver")}, or run \`drift-detector sandbox stop --dir ${dir}\` and start it again`,
      );
    }
    return { ...(await status(dir)), alreadyRunning: true, elapsedMs: 0 };
  }
  if (before.state === "partial") {
    const dead = before.components.filter((c) => !c.running).map((c) => c.component);
    log(
      `found a partly running sandbox in ${dir} (${dead.join(", ")} not running): stopping the rest and starting afresh`,
    );
    await stop(dir);
  }

  const binaries = await ensureControlPlane(opts);
  await Promise.all(["logs", "bin"].map((d) => mkdir(join(l.dir, d), { recursive: true })));
  await mkdir(l.etcdDataDir, { recursive: true, mode: 0o700 });
  await ensurePki(l.pkiDir);

  // Ports race with the rest of the machine: if a component loses its port, pick new ones and try again.
  let ports = await choosePorts(l);
  for (let attempt = 1; ; attempt++) {
    try {
      await launch(l, binaries, ports, timeoutMs);
      break;
    } catch (err) {
      await stop(dir);
      if (!(err instanceof PortTakenError) || attempt >= 3) throw err;
      log(`${err.message}; retrying on other ports`);
      ports = await choosePorts(l, true);
    }
  }
  await rm(l.kubectl, { force: true });
  await symlink(binaries.kubectl, l.kubectl);
  const elapsedMs = Date.now() - started;
  return { ...(await status(dir)), alreadyRunning: false, elapsedMs };
}

/** Ends exactly the processes this sandbox started (by pid file, checked against /proc); safe to call twice. */
export async function stop(dir: string): Promise<{ stopped: Component[] }> {
  const l = sandboxLayout(dir);
  const state = await readState(l);
  const stopped: Component[] = [];
  // Reverse start order: clients first, etcd last, so nothing logs a storm of connection errors on the way down.
  for (const c of [...COMPONENTS].reverse()) {
    // Without state.json (deleted by hand) the bare name still identifies the process, together with the folder.
    const binary = state ? state.binaries[c] : c;
    if (binary === null) {
      await rm(l.pidFile(c), { force: true });
      continue;
    }
    // etcd gets time to close its database cleanly; the apiserver's graceful shutdown can hang on a dead etcd, and
    // everything it holds is in etcd anyway.
    const graceMs = c === "etcd" ? 10_000 : 5_000;
    if (await stopRecorded(l.pidFile(c), binary, l.dir, graceMs)) stopped.push(c);
  }
  return { stopped };
}

/**
 * Stops only the kube-apiserver of a running sandbox (an apiserver outage, for fault tests); etcd and the controller
 * manager keep running and the data stays. Returns whether a process was stopped.
 */
export async function stopApiserver(dir: string): Promise<boolean> {
  const l = sandboxLayout(dir);
  const state = await readState(l);
  if (!state) throw new SandboxError(`no sandbox state in ${dir}: was it started?`);
  return stopRecorded(l.pidFile("kube-apiserver"), state.binaries["kube-apiserver"] ?? "kube-apiserver", l.dir, 5_000);
}

/**
 * Starts the kube-apiserver of a sandbox whose etcd runs (after stopApiserver) on its recorded port, so kubeconfigs
 * stay valid; `extraArgs` are appended to the usual flags (e.g. `--watch-cache=false`). Resolves once it is ready.
 */
export async function startApiserver(
  dir: string,
  opts: { extraArgs?: string[]; readyTimeoutMs?: number } = {},
): Promise<void> {
  const l = sandboxLayout(dir);
  const state = await readState(l);
  const binary = state?.binaries["kube-apiserver"];
  if (!state || !binary) throw new SandboxError(`no sandbox state in ${dir}: was it started?`);
  const running = await readPidFile(l.pidFile("kube-apiserver"));
  if (running !== undefined && (await isOurProcess(running, binary, l.dir))) {
    throw new SandboxError(`the kube-apiserver of ${dir} already runs (pid ${running})`);
  }
  const args = [
    ...apiserverArgs(l, state.ports, { withControllerManager: state.binaries["kube-controller-manager"] !== null }),
    ...(opts.extraArgs ?? []),
  ];
  const pid = await spawnDetached(binary, args, l.logFile("kube-apiserver"), l.pidFile("kube-apiserver"));
  const pki = await readPki(l);
  const server = `https://127.0.0.1:${state.ports.apiserver}`;
  await waitUp(l, "kube-apiserver", binary, pid, opts.readyTimeoutMs ?? 90_000, async () => {
    return (await apiserverStatus(l, server, pki)) === 200;
  });
}

export async function status(dir: string): Promise<SandboxStatus> {
  const l = sandboxLayout(dir);
  const state = await readState(l);
  const components: ComponentStatus[] = [];
  for (const c of COMPONENTS) {
    const binary = state ? state.binaries[c] : c;
    if (binary === null) continue; // not part of this sandbox (KUBEBUILDER_ASSETS: no controller manager)
    const pid = await readPidFile(l.pidFile(c));
    const running = pid !== undefined && (await isOurProcess(pid, binary, l.dir));
    components.push({ component: c, pid: running ? pid : undefined, running });
  }
  const runningCount = components.filter((c) => c.running).length;
  const server = state ? `https://127.0.0.1:${state.ports.apiserver}` : undefined;
  const ready = runningCount > 0 && server !== undefined && (await apiserverStatus(l, server)) === 200;
  return {
    dir: l.dir,
    state: runningCount === 0 ? "stopped" : runningCount === components.length ? "running" : "partial",
    components,
    ready,
    server,
    kubeconfig: l.kubeconfig,
    kubectl: l.kubectl,
  };
}

class PortTakenError extends SandboxError {}

async function launch(
  l: SandboxLayout,
  b: ControlPlaneBinaries,
  ports: SandboxPorts,
  timeoutMs: number,
): Promise<void> {
  const server = `https://127.0.0.1:${ports.apiserver}`;
  const pki = await readPki(l);
  await writeFile(
    l.kubeconfig,
    renderKubeconfig({ server, caCert: pki.ca, clientCert: pki.adminCert, clientKey: pki.adminKey, user: "admin" }),
    { mode: 0o600 },
  );
  // Written before the first process starts: `stop` after a failed launch needs the binaries' paths.
  await writeState(l, b, ports);
  const etcdPid = await spawnDetached(b.etcd, etcdArgs(l, ports), l.logFile("etcd"), l.pidFile("etcd"));
  await waitUp(l, "etcd", b.etcd, etcdPid, timeoutMs, async () => (await etcdHealthy(ports.etcd)) === true);

  const apiPid = await spawnDetached(
    b.kubeApiserver,
    apiserverArgs(l, ports, { withControllerManager: b.kubeControllerManager !== undefined }),
    l.logFile("kube-apiserver"),
    l.pidFile("kube-apiserver"),
  );
  await waitUp(l, "kube-apiserver", b.kubeApiserver, apiPid, timeoutMs, async () => {
    return (await apiserverStatus(l, server, pki)) === 200;
  });

  if (b.kubeControllerManager) {
    await writeFile(
      l.controllerManagerKubeconfig,
      renderKubeconfig({
        server,
        caCert: pki.ca,
        clientCert: pki.cmCert,
        clientKey: pki.cmKey,
        user: "system:kube-controller-manager",
      }),
      { mode: 0o600 },
    );
    const cmPid = await spawnDetached(
      b.kubeControllerManager,
      controllerManagerArgs(l, ports),
      l.logFile("kube-controller-manager"),
      l.pidFile("kube-controller-manager"),
    );
    const healthz = `https://127.0.0.1:${ports.controllerManager}/healthz`;
    await waitUp(l, "kube-controller-manager", b.kubeControllerManager, cmPid, timeoutMs, async () => {
      return (await httpsStatus(healthz, { insecure: true })) === 200;
    });
  }
}

/** Waits until `ready()` holds; fails with the component's last log lines if the process dies or time runs out. */
async function waitUp(
  l: SandboxLayout,
  c: Component,
  binary: string,
  pid: number,
  timeoutMs: number,
  ready: () => Promise<boolean>,
): Promise<void> {
  const outcome = await waitFor(timeoutMs, async () => {
    if (await ready()) return "ready";
    if (!(await isOurProcess(pid, binary, l.dir))) return "exited";
    return undefined;
  });
  if (outcome === "ready") return;
  const tail = await readLogTail(l.logFile(c), 200);
  if (/address already in use/i.test(tail)) throw new PortTakenError(`${c} found its port taken`);
  const what = outcome === "exited" ? "exited during start" : `was not ready within ${formatDuration(timeoutMs)}`;
  const hint =
    c === "etcd" && outcome === "exited"
      ? `\nIf its data is damaged: \`drift-detector sandbox stop --dir ${l.dir}\`, remove ${l.etcdDataDir} (its objects are lost) and start again.`
      : "";
  throw new SandboxError(`${c} ${what}; from its log ${l.logFile(c)}:\n${indent(errorLines(tail))}${hint}`);
}

/** The ports of the previous start when still free (a stable kubeconfig across restarts), else fresh ones. */
async function choosePorts(l: SandboxLayout, fresh = false): Promise<SandboxPorts> {
  const previous = fresh ? undefined : (await readState(l))?.ports;
  if (previous) {
    const free = await Promise.all(Object.values(previous).map((p) => isPortFree(p)));
    if (free.every(Boolean)) return previous;
  }
  const [etcd, apiserver, controllerManager] = await freePorts(3);
  return { etcd, apiserver, controllerManager };
}

async function writeState(l: SandboxLayout, b: ControlPlaneBinaries, ports: SandboxPorts): Promise<void> {
  const state: SandboxState = {
    ports,
    binaries: {
      etcd: b.etcd,
      "kube-apiserver": b.kubeApiserver,
      "kube-controller-manager": b.kubeControllerManager ?? null,
    },
    startedAt: new Date().toISOString(),
  };
  await writeFile(l.stateFile, `${JSON.stringify(state, null, 2)}\n`);
}

async function readState(l: SandboxLayout): Promise<SandboxState | undefined> {
  try {
    return JSON.parse(await readFile(l.stateFile, "utf8")) as SandboxState;
  } catch {
    return undefined;
  }
}

interface PkiPems {
  ca: string;
  adminCert: string;
  adminKey: string;
  cmCert: string;
  cmKey: string;
}

async function readPki(l: SandboxLayout): Promise<PkiPems> {
  const [ca, adminCert, adminKey, cmCert, cmKey] = await Promise.all(
    [l.pki.caCert, l.pki.adminCert, l.pki.adminKey, l.pki.controllerManagerCert, l.pki.controllerManagerKey].map((f) =>
      readFile(f, "utf8"),
    ),
  );
  return { ca, adminCert, adminKey, cmCert, cmKey };
}

async function apiserverStatus(l: SandboxLayout, server: string, pki?: PkiPems): Promise<number> {
  if (!pki && !existsSync(l.pki.adminKey)) return 0;
  const p = pki ?? (await readPki(l));
  return httpsStatus(`${server}/readyz`, { ca: p.ca, cert: p.adminCert, key: p.adminKey });
}

async function etcdHealthy(port: number): Promise<boolean> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(2_000) });
    return res.ok && ((await res.json()) as { health?: string }).health === "true";
  } catch {
    return false;
  }
}

function indent(text: string): string {
  return text
    .split("\n")
    .map((line) => `    ${line}`)
    .join("\n");
}

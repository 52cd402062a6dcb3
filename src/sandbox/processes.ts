import { execFile, spawn } from "node:child_process";
import { closeSync, openSync } from "node:fs";
import { readFile, rm, writeFile } from "node:fs/promises";
import { basename } from "node:path";
import { promisify } from "node:util";

/**
 * Starts `binary` detached from us (own session, output appended to `logFile`) so it outlives the CLI, and records
 * its pid in `pidFile`. Returns the pid.
 */
export async function spawnDetached(binary: string, args: string[], logFile: string, pidFile: string): Promise<number> {
  const out = openSync(logFile, "a");
  try {
    const child = spawn(binary, args, { detached: true, stdio: ["ignore", out, out] });
    const pid = await new Promise<number>((resolve, reject) => {
      child.once("error", reject);
      child.once("spawn", () => resolve(child.pid!));
    });
    child.unref();
    await writeFile(pidFile, `${pid}\n`);
    return pid;
  } finally {
    closeSync(out);
  }
}

/** The pid recorded in a pid file, or undefined when there is none (or it is garbage). */
export async function readPidFile(pidFile: string): Promise<number | undefined> {
  try {
    const pid = Number.parseInt(await readFile(pidFile, "utf8"), 10);
    return Number.isInteger(pid) && pid > 1 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether `pid` is a live process running `binary` (an absolute path, or a bare name when the path is unknown) with an
 * argument inside the folder `marker`. A recycled pid, a zombie or another sandbox's process is not ours: never signalled.
 */
export async function isOurProcess(pid: number, binary: string, marker: string): Promise<boolean> {
  const argv = await commandLine(pid);
  if (!argv || argv.length === 0) return false;
  const sameBinary = binary.includes("/") ? argv[0] === binary : basename(argv[0]) === binary;
  return sameBinary && argv.slice(1).some((a) => a.includes(`${marker}/`));
}

async function commandLine(pid: number): Promise<string[] | undefined> {
  try {
    const raw = await readFile(`/proc/${pid}/cmdline`, "utf8");
    return raw.split("\0").filter((a) => a.length > 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT" || process.platform === "linux") return undefined;
  }
  // No /proc (macOS): ps gives the command line as one string; good enough to compare the binary and the marker.
  try {
    const { stdout } = await promisify(execFile)("ps", ["-o", "command=", "-p", String(pid)]);
    return stdout.trim() ? stdout.trim().split(/\s+/) : undefined;
  } catch {
    return undefined;
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Ends our process recorded in `pidFile`: SIGTERM, then SIGKILL after `graceMs`; removes the pid file. Safe when the
 * process is already gone or the pid file is missing or stale. Returns whether a process was signalled.
 */
export async function stopRecorded(
  pidFile: string,
  binary: string,
  marker: string,
  graceMs = 15_000,
): Promise<boolean> {
  const pid = await readPidFile(pidFile);
  let signalled = false;
  if (pid !== undefined && (await isOurProcess(pid, binary, marker))) {
    signalled = true;
    signal(pid, "SIGTERM");
    if (!(await waitGone(pid, binary, marker, graceMs))) {
      signal(pid, "SIGKILL");
      await waitGone(pid, binary, marker, 5_000);
    }
  }
  await rm(pidFile, { force: true });
  return signalled;
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // Gone between the check and the signal: that is what we wanted.
  }
}

async function waitGone(pid: number, binary: string, marker: string, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await isGone(pid, binary, marker)) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return isGone(pid, binary, marker);
}

/**
 * Whether our process has ended: no such pid, a zombie, or the pid reused by another program. A process in the middle
 * of exiting has already released its memory (an empty command line) but still runs (and holds its ports): not gone.
 */
async function isGone(pid: number, binary: string, marker: string): Promise<boolean> {
  if (process.platform !== "linux") return !(await isOurProcess(pid, binary, marker));
  let stat: string;
  try {
    stat = await readFile(`/proc/${pid}/stat`, "utf8");
  } catch {
    return true;
  }
  const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
  if (state === "Z" || state === "X") return true;
  const argv = await commandLine(pid);
  if (!argv || argv.length === 0) return false;
  return !(await isOurProcess(pid, binary, marker));
}

import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { isOurProcess, readPidFile, spawnDetached, stopRecorded } from "../../../src/sandbox/processes.js";

const IDLE = "setTimeout(() => {}, 60_000)";
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "sandbox-proc-"));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

function foreign(args: string[]): ChildProcess {
  const child = spawn(process.execPath, ["-e", IDLE, ...args], { stdio: "ignore" });
  cleanups.push(async () => {
    child.kill("SIGKILL");
  });
  return child;
}

describe("sandbox processes", () => {
  it("stops the process it started, removes the pid file, and is safe to repeat", async () => {
    const dir = await tempDir();
    const pidFile = join(dir, "idle.pid");
    const pid = await spawnDetached(process.execPath, ["-e", IDLE, `${dir}/marker`], join(dir, "idle.log"), pidFile);
    cleanups.push(async () => void (await stopRecorded(pidFile, process.execPath, dir, 1_000)));
    expect(await readPidFile(pidFile)).toBe(pid);
    expect(await isOurProcess(pid, process.execPath, dir)).toBe(true);

    expect(await stopRecorded(pidFile, process.execPath, dir, 5_000)).toBe(true);
    expect(await isOurProcess(pid, process.execPath, dir)).toBe(false);
    expect(await readPidFile(pidFile)).toBeUndefined();
    expect(await stopRecorded(pidFile, process.execPath, dir, 5_000)).toBe(false);
  });

  it("never signals a process that is not ours, even when a pid file names it", async () => {
    const dir = await tempDir();
    const other = await tempDir();
    const stranger = foreign([`${other}/marker`]);
    // A sibling folder whose name starts with ours must not count as ours either.
    const sibling = foreign([`${dir}-2/marker`]);
    const pidFile = join(dir, "stale.pid");
    for (const child of [stranger, sibling]) {
      await writeFile(pidFile, `${child.pid}\n`);
      expect(await isOurProcess(child.pid!, process.execPath, dir)).toBe(false);
      expect(await stopRecorded(pidFile, process.execPath, dir, 500)).toBe(false);
      expect(child.exitCode).toBeNull();
      expect(child.signalCode).toBeNull();
    }
  });

  it("treats garbage or a dead pid as no process", async () => {
    const dir = await tempDir();
    const pidFile = join(dir, "x.pid");
    await writeFile(pidFile, "not a pid\n");
    expect(await readPidFile(pidFile)).toBeUndefined();
    expect(await stopRecorded(pidFile, process.execPath, dir)).toBe(false);
    expect(await isOurProcess(2 ** 22 + 1, process.execPath, dir)).toBe(false);
  });
});

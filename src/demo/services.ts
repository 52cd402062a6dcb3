import { spawn } from "node:child_process";
import { closeSync, existsSync, openSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { isOurProcess, readPidFile, stopRecorded } from "../sandbox/processes.js";
import type { DemoLayout, DemoService } from "./layout.js";

// The demo's own services (the embedded hub, the detector) are `drift-detector …` child processes, detached so
// that they outlive `demo --no-story`, each with a pid file and a log under the demo folder. A process is only
// ever signalled when its command line is node with an argument inside the demo folder (the --diagnostic-dir we
// give it), so a recycled pid is never ours.

/** bin/drift-detector.js of this checkout (it runs the sources through tsx). */
export function cliEntry(from = dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = from; dirname(dir) !== dir; dir = dirname(dir)) {
    const bin = join(dir, "bin", "drift-detector.js");
    if (existsSync(bin)) return bin;
  }
  throw new Error(`bin/drift-detector.js not found above ${from}`);
}

/** The node command line of `drift-detector <args>` for a demo service (the diagnostic dir marks it as ours). */
export function serviceArgv(layout: DemoLayout, args: string[]): string[] {
  return [`--diagnostic-dir=${layout.logsDir}`, cliEntry(), ...args];
}

export async function startService(
  layout: DemoLayout,
  service: DemoService,
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<number> {
  const out = openSync(layout.logFile(service), "a");
  try {
    const child = spawn(process.execPath, serviceArgv(layout, args), {
      detached: true,
      stdio: ["ignore", out, out],
      env,
      cwd: process.cwd(),
    });
    const pid = await new Promise<number>((resolve, reject) => {
      child.once("error", reject);
      child.once("spawn", () => resolve(child.pid!));
    });
    child.unref();
    await writeFile(layout.pidFile(service), `${pid}\n`);
    return pid;
  } finally {
    closeSync(out);
  }
}

export async function serviceRunning(layout: DemoLayout, service: DemoService): Promise<boolean> {
  const pid = await readPidFile(layout.pidFile(service));
  return pid !== undefined && (await isOurProcess(pid, process.execPath, layout.dir));
}

/** SIGTERM, then SIGKILL after the grace period; returns whether the service was running. */
export function stopService(layout: DemoLayout, service: DemoService, graceMs = 10_000): Promise<boolean> {
  return stopRecorded(layout.pidFile(service), process.execPath, layout.dir, graceMs);
}

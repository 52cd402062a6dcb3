import { rm } from "node:fs/promises";
import { stop as stopSandbox } from "../sandbox/controlplane.js";
import { DEMO_SERVICES, type DemoLayout } from "./layout.js";
import { stopService } from "./services.js";

/**
 * Stops everything a demo started, services first (the detector, then the hub), the sandbox last; forgets the
 * state so the next `demo` starts afresh. Safe to repeat. Returns what was running.
 */
export async function stopDemo(layout: DemoLayout): Promise<string[]> {
  const stopped: string[] = [];
  for (const service of [...DEMO_SERVICES].reverse()) {
    if (await stopService(layout, service)) stopped.push(service);
  }
  const sandbox = await stopSandbox(layout.sandboxDir);
  stopped.push(...sandbox.stopped);
  await rm(layout.stateFile, { force: true });
  return stopped;
}

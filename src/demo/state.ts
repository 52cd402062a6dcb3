import { chmod, readFile, writeFile } from "node:fs/promises";
import type { DemoLayout } from "./layout.js";

/** What a running demo needs to be found again (by `demo --stop`, a second `demo`, the story). Holds tokens: 0600. */
export interface DemoState {
  prefix: string;
  kubeconfig: string;
  kubectl: string;
  hubUrl: string;
  hubToken: string;
  detectorUrl: string;
  apiToken: string;
  spaces: string[];
  startedAt: string;
}

export async function writeState(layout: DemoLayout, state: DemoState): Promise<void> {
  await writeFile(layout.stateFile, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  await chmod(layout.stateFile, 0o600);
}

export async function readState(layout: DemoLayout): Promise<DemoState | undefined> {
  try {
    return JSON.parse(await readFile(layout.stateFile, "utf8")) as DemoState;
  } catch {
    return undefined;
  }
}

// A control plane of a test's own, beside the run's shared sandbox, for faults that would stall every other suite:
// its apiserver killed or restarted, or started with the test's own flags (the watch cache off, an audit backend).
import { join } from "node:path";
import { start, startApiserver, stopApiserver } from "../../src/sandbox/controlplane.js";

/** Starts a sandbox in `work`/sandbox; with `apiserverArgs`, its apiserver is restarted with them. */
export async function startPrivateSandbox(
  work: string,
  apiserverArgs: string[] = [],
): Promise<{ dir: string; kubeconfig: string }> {
  const dir = join(work, "sandbox");
  const { kubeconfig } = await start(dir, { log: (line) => process.stderr.write(`[private sandbox] ${line}\n`) });
  if (apiserverArgs.length > 0) {
    await stopApiserver(dir);
    await startApiserver(dir, { extraArgs: apiserverArgs });
  }
  return { dir, kubeconfig };
}

// The test run's Kubernetes: one real sandbox (etcd, kube-apiserver, kube-controller-manager) in a temp folder, or
// the running cluster named by DRIFT_TEST_KUBECONFIG (e.g. .sandbox/dev/kubeconfig, for fast edit-test loops).
import { existsSync } from "node:fs";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { start, stop } from "../../src/sandbox/controlplane.js";
import { isAlive } from "../../src/sandbox/processes.js";

const PREFIX = "drift-test-sandbox-";

export async function startSandbox(): Promise<{ kubeconfig: string; stop(): Promise<void> }> {
  const reused = process.env.DRIFT_TEST_KUBECONFIG;
  if (reused) {
    if (!existsSync(reused)) throw new Error(`DRIFT_TEST_KUBECONFIG=${reused} does not exist`);
    return { kubeconfig: reused, stop: async () => {} };
  }
  await removeAbandoned();
  // The runner's pid in the name lets a later run clean up after a run that was killed before its teardown.
  const dir = await mkdtemp(join(tmpdir(), `${PREFIX}${process.pid}-`));
  const log = (line: string) => process.stderr.write(`[sandbox] ${line}\n`);
  try {
    const s = await start(dir, { log });
    return {
      kubeconfig: s.kubeconfig,
      stop: async () => {
        await stop(dir);
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await stop(dir);
    throw err;
  }
}

/** Sandboxes of earlier test runs whose runner died without tearing down. */
async function removeAbandoned(): Promise<void> {
  for (const entry of await readdir(tmpdir())) {
    if (!entry.startsWith(PREFIX)) continue;
    const pid = Number(entry.slice(PREFIX.length).split("-")[0]);
    if (Number.isInteger(pid) && isAlive(pid)) continue;
    const dir = join(tmpdir(), entry);
    await stop(dir);
    await rm(dir, { recursive: true, force: true });
  }
}

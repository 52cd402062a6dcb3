// `sandbox start|stop|status` on a second, private sandbox: a repeated start only reports, a killed etcd is
// recovered by the next start, and stop leaves no process behind and can be repeated.
import { readFileSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { start, status, stop } from "../../src/sandbox/controlplane.js";
import { sandboxLayout } from "../../src/sandbox/layout.js";

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "sandbox-lifecycle-"));
});
afterAll(async () => {
  await stop(dir);
  await rm(dir, { recursive: true, force: true });
});

async function namespaces(kubeconfig: string): Promise<string[]> {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  const list = await kc.makeApiClient(CoreV1Api).listNamespace();
  return list.items.map((n) => n.metadata?.name ?? "").sort();
}

/** Live and not a zombie (a zombie is gone for every purpose but its parent's bookkeeping). */
function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
}

describe("sandbox lifecycle", { timeout: 240_000 }, () => {
  it("starts, reports a second start, recovers from a killed etcd, and stops completely", async () => {
    const first = await start(dir);
    expect(first).toMatchObject({ alreadyRunning: false, state: "running", ready: true });
    expect(await namespaces(first.kubeconfig)).toEqual(["default", "kube-node-lease", "kube-public", "kube-system"]);

    const again = await start(dir);
    expect(again).toMatchObject({ alreadyRunning: true, state: "running" });
    expect(again.components.map((c) => c.pid)).toEqual(first.components.map((c) => c.pid));

    const etcdPid = Number(await readFile(sandboxLayout(dir).pidFile("etcd"), "utf8"));
    process.kill(etcdPid, "SIGKILL");
    await expect.poll(async () => (await status(dir)).state).toBe("partial");

    const recovered = await start(dir);
    expect(recovered).toMatchObject({ alreadyRunning: false, state: "running", ready: true });
    expect(await namespaces(recovered.kubeconfig)).toContain("kube-system");

    const pids = recovered.components.map((c) => c.pid!);
    expect(pids).toHaveLength(3);
    expect((await stop(dir)).stopped).toEqual(["kube-controller-manager", "kube-apiserver", "etcd"]);
    expect(pids.filter(alive)).toEqual([]);
    expect(await status(dir)).toMatchObject({ state: "stopped", ready: false });
    expect((await stop(dir)).stopped).toEqual([]);
  });
});

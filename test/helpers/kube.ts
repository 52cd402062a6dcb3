// The run's sandbox cluster for integration tests: a KubeConfig from the injected path, and a fresh namespace per
// test (`kubeTest`) or per suite (`createTestNamespace`), deleted afterwards; the controller manager finalizes it.

import { execFileSync, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import { test as base, inject } from "vitest";
import { kubectlFor } from "../../src/sandbox/kubectl.js";

/** The admin KubeConfig of the run's sandbox. */
export function loadKubeConfig(): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(inject("kubeconfig"));
  return kc;
}

/** kubectl matching the sandbox (D/bin/kubectl next to D/kubeconfig), else the one on PATH. */
export const kubectlPath = (): string => kubectlFor(inject("kubeconfig"));

/** Runs kubectl against the sandbox in `namespace`; returns stdout, throws on failure. */
export function kubectlIn(namespace: string, ...args: string[]): string {
  return execFileSync(kubectlPath(), ["--kubeconfig", inject("kubeconfig"), "-n", namespace, ...args], {
    encoding: "utf8",
  });
}

/** Runs kubectl against the sandbox with `stdin` as input; returns stdout, throws with kubectl's stderr on failure. */
export function kubectlWithInput(args: string[], stdin?: string): string {
  const r = spawnSync(kubectlPath(), [...args, `--kubeconfig=${inject("kubeconfig")}`], { input: stdin });
  if (r.status !== 0) throw new Error(`kubectl ${args.join(" ")}: ${r.stderr}`);
  return r.stdout.toString();
}

export interface TestNamespace {
  name: string;
  delete(): Promise<void>;
}

/** Creates `<prefix>-<random>`; `delete()` starts its deletion without waiting (safe to call twice). */
export async function createTestNamespace(kc: KubeConfig, prefix = "t"): Promise<TestNamespace> {
  const core = kc.makeApiClient(CoreV1Api);
  const name = `${prefix}-${randomBytes(4).toString("hex")}`.toLowerCase();
  await core.createNamespace({ body: { metadata: { name, labels: { "drift-detector.test/owned": "true" } } } });
  let deleted = false;
  return {
    name,
    delete: async () => {
      if (deleted) return;
      deleted = true;
      await core.deleteNamespace({ name }).catch((err: { code?: number }) => {
        if (err.code !== 404) throw err;
      });
    },
  };
}

/** `test` with fixtures: `kc` (admin KubeConfig) and `namespace` (a fresh one per test, deleted after it). */
export const kubeTest = base.extend<{ kc: KubeConfig; namespace: string }>({
  // biome-ignore lint/correctness/noEmptyPattern: vitest fixtures must destructure their first argument
  kc: async ({}, use) => {
    await use(loadKubeConfig());
  },
  namespace: async ({ kc }, use) => {
    const ns = await createTestNamespace(kc);
    try {
      await use(ns.name);
    } finally {
      await ns.delete();
    }
  },
});

// Global setup of the integration project: one real PostgreSQL (and the sandbox) per test run, shared by all files.
import type { TestProject } from "vitest/node";
import { startPostgres } from "./postgres.js";
import { startSandbox } from "./sandbox.js";

declare module "vitest" {
  export interface ProvidedContext {
    postgresUrl: string;
    kubeconfig: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const stops: Array<() => Promise<void>> = [];
  try {
    // The real control plane (test/setup/sandbox.ts); tests make their own namespaces (test/helpers/kube.ts).
    const sandbox = await startSandbox();
    stops.push(sandbox.stop);
    project.provide("kubeconfig", sandbox.kubeconfig);

    // PostgreSQL for the store tests; each test creates its own database (test/helpers/stores.ts).
    const postgres = await startPostgres();
    stops.push(postgres.stop);
    project.provide("postgresUrl", postgres.url);
  } catch (err) {
    // A half-done setup gets no teardown call from vitest: stop what already runs.
    for (const stop of stops.reverse()) await stop().catch(() => {});
    throw err;
  }

  return async () => {
    for (const stop of stops.reverse()) await stop().catch(() => {});
  };
}

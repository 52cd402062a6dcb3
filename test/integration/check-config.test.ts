// `check --config FILE` against the real sandbox: a global ignore rule turns a manual scale into "in sync" (listed
// under `ignored`), a severity rule changes the reported severity, and a bad file is exit 2 naming it.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, inject } from "vitest";
import { runCheck } from "../../src/cli/commands/check.js";
import type { DetectionReport } from "../../src/drift/types.js";
import { cli } from "../helpers/cli.js";
import { kubectlWithInput as kubectl, kubeTest } from "../helpers/kube.js";

const MANIFESTS = `apiVersion: apps/v1
kind: Deployment
metadata: {name: backend, labels: {app: backend}}
spec:
  replicas: 2
  selector: {matchLabels: {app: backend}}
  template:
    metadata: {labels: {app: backend}}
    spec: {containers: [{name: backend, image: "nginx:1.27"}]}
`;

describe("check --config", { timeout: 300_000 }, () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "dd-check-config-"));
    await writeFile(join(dir, "app.yaml"), MANIFESTS);
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const scaled = (namespace: string) => {
    kubectl(["apply", "--server-side", "--field-manager=confighub", "-f", "-", `--namespace=${namespace}`], MANIFESTS);
    kubectl(["scale", "deployment/backend", "--replicas=5", `--namespace=${namespace}`]);
  };
  const args = (namespace: string, config: string) => [
    "check",
    "--source",
    join(dir, "app.yaml"),
    "--kubeconfig",
    inject("kubeconfig"),
    "--namespace",
    namespace,
    "--output",
    "json",
    "--config",
    config,
  ];

  kubeTest(
    "an ignore rule turns a manual scale from exit 1 into exit 0, listed under ignored",
    async ({ namespace }) => {
      scaled(namespace);
      const config = join(dir, "config.yaml");
      // The rule is scoped: another namespace pattern leaves the scale as drift.
      await writeFile(
        config,
        "ignore:\n  - paths: [/spec/replicas]\n    kinds: [Deployment]\n    namespaces: [elsewhere-*]\n",
      );
      expect((await cli(args(namespace, config))).code).toBe(1);

      await writeFile(
        config,
        `ignore:\n  - paths: ["/spec/replicas"]\n    kinds: [Deployment]\n    namespaces: ["${namespace.slice(0, 3)}*"]\n    reason: batch jobs scale themselves\n`,
      );
      for (const mode of ["server", "client"]) {
        const r = await cli([...args(namespace, config), "--mode", mode]);
        expect(r.code, r.stderr).toBe(0);
        const report = JSON.parse(r.stdout) as DetectionReport;
        expect(report.summary).toMatchObject({ resources: 1, inSync: 1, drifted: 0 });
        expect(report.resources[0].changes).toEqual([]);
        expect(report.resources[0].ignored).toEqual([
          { path: "/spec/replicas", reason: "batch jobs scale themselves" },
        ]);
      }
    },
  );

  kubeTest("a severity rule changes the reported severity", async ({ namespace }) => {
    scaled(namespace);
    const base = {
      source: join(dir, "app.yaml"),
      kubeconfig: inject("kubeconfig"),
      namespace,
      output: "json" as const,
    };
    const before = await runCheck({ ...base, mode: "client" });
    expect(before.report.resources[0]).toMatchObject({ status: "Drifted", severity: "medium" });

    const config = join(dir, "config.yaml");
    await writeFile(config, "severity:\n  - {kind: Deployment, path: /spec/replicas, severity: critical}\n");
    for (const mode of ["server", "client"] as const) {
      const after = await runCheck({ ...base, mode, config });
      expect(after.exitCode).toBe(1);
      expect(after.report.resources[0]).toMatchObject({ status: "Drifted", severity: "critical" });
      expect(after.report.resources[0].changes[0]).toMatchObject({ path: "/spec/replicas", severity: "critical" });
    }
  });

  kubeTest("a bad configuration file: exit 2 with one line naming the file and the place", async ({ namespace }) => {
    const config = join(dir, "config.yaml");
    await writeFile(config, "ignore:\n  - paths: [spec/replicas]\n");
    const r = await cli(args(namespace, config));
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toContain(`configuration file ${config}: at ignore.0.paths.0: a JSON Pointer starts with /`);
  });
});

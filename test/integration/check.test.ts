// `drift-detector check` against the real sandbox: exit codes, JSON report, per-object errors, cluster failures.
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, inject } from "vitest";
import { parse, stringify } from "yaml";
import { runCheck } from "../../src/cli/commands/check.js";
import type { DetectionReport } from "../../src/drift/types.js";
import { cli } from "../helpers/cli.js";
import { kubectlWithInput as kubectl, kubeTest } from "../helpers/kube.js";
import { backendDeployment, LOG_LEVEL_SETTINGS } from "../helpers/manifests.js";

const DEPLOYMENT = backendDeployment(true);
const CONFIGMAP = LOG_LEVEL_SETTINGS;

// Each CLI run starts a fresh process (tsx, every command module): slow on a loaded machine, hence the timeout.
describe("check", { timeout: 300_000 }, () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "dd-check-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const applyDesired = (namespace: string) =>
    kubectl(
      ["apply", "--server-side", "--field-manager=confighub", "-f", "-", `--namespace=${namespace}`],
      `${DEPLOYMENT}---\n${CONFIGMAP}`,
    );

  kubeTest("in sync: exit 0 in both modes", async ({ namespace }) => {
    await writeFile(join(dir, "app.yaml"), `${DEPLOYMENT}---\n${CONFIGMAP}`);
    applyDesired(namespace);
    for (const mode of ["server", "client"] as const) {
      const { report, exitCode } = await runCheck({
        source: dir,
        kubeconfig: inject("kubeconfig"),
        namespace,
        mode,
        output: "json",
      });
      expect(report.summary).toEqual({ resources: 2, inSync: 2, drifted: 0, missing: 0, errors: 0 });
      expect(report.mode).toBe(mode);
      expect(exitCode).toBe(0);
    }
  });

  kubeTest("manual scale: exit 1 and the change in the JSON report, attributed to kubectl", async ({ namespace }) => {
    await writeFile(join(dir, "app.yaml"), `${DEPLOYMENT}---\n${CONFIGMAP}`);
    applyDesired(namespace);
    kubectl(["scale", "deployment/backend", "--replicas=5", `--namespace=${namespace}`]);
    for (const mode of ["server", "client"]) {
      const r = await cli([
        "check",
        "--source",
        dir,
        "--kubeconfig",
        inject("kubeconfig"),
        "--namespace",
        namespace,
        "--mode",
        mode,
        "--output",
        "json",
      ]);
      expect(r.code, r.stderr).toBe(1);
      const report = JSON.parse(r.stdout) as DetectionReport;
      expect(report.apiVersion).toBe("drift-detector/v1");
      expect(report.mode).toBe(mode);
      expect(report.summary).toEqual({ resources: 2, inSync: 1, drifted: 1, missing: 0, errors: 0 });
      const backend = report.resources.find((x) => x.ref.kind === "Deployment")!;
      expect(backend.ref).toEqual({ apiVersion: "apps/v1", kind: "Deployment", namespace, name: "backend" });
      expect(backend.source).toEqual({ type: "file", path: join(dir, "app.yaml"), document: 1 });
      expect(backend.status).toBe("Drifted");
      expect(backend.changes).toHaveLength(1);
      expect(backend.changes[0]).toMatchObject({
        path: "/spec/replicas",
        field: "spec.replicas",
        type: "changed",
        desired: 2,
        live: 5,
        masked: false,
        by: { manager: expect.stringMatching(/^kubectl/), operation: "Update" },
      });
    }
    // Text output for people: the status line and the change, no colour when not a TTY.
    const text = await cli(["check", "--source", dir, "--kubeconfig", inject("kubeconfig"), "--namespace", namespace]);
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(/Deployment .*backend.*Drifted/);
    expect(text.stdout).toContain("spec.replicas");
    expect(text.stdout).not.toContain("\u001b[");
  });

  kubeTest("a broken document and an unknown kind are Error results; the rest is compared", async ({ namespace }) => {
    await writeFile(join(dir, "app.yaml"), `${DEPLOYMENT}---\n${CONFIGMAP}`);
    await writeFile(
      join(dir, "broken.yaml"),
      "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: other}\ndata: {A: '1'}\n---\nkind: [unclosed\n",
    );
    await writeFile(
      join(dir, "widget.yaml"),
      "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n---\napiVersion: v1\nkind: Secret\nmetadata: {}\n",
    );
    applyDesired(namespace);
    kubectl(["create", "configmap", "other", "--from-literal=A=1", `--namespace=${namespace}`]);
    const opts = { source: dir, kubeconfig: inject("kubeconfig"), namespace, output: "json" as const };
    const { report, exitCode } = await runCheck({ ...opts, mode: "server" });
    expect(report.summary).toEqual({ resources: 6, inSync: 3, drifted: 0, missing: 0, errors: 3 });
    expect(exitCode).toBe(2);
    const errors = report.resources.filter((r) => r.status === "Error");
    expect(errors.map((e) => [e.source, e.error])).toEqual(
      expect.arrayContaining([
        [
          { type: "file", path: join(dir, "broken.yaml"), document: 2 },
          expect.stringMatching(/broken\.yaml document 2 \(from line 6\): invalid YAML at line \d+, column \d+/),
        ],
        [
          { type: "file", path: join(dir, "widget.yaml"), document: 1 },
          "the cluster does not serve Widget in example.com/v1",
        ],
        [
          { type: "file", path: join(dir, "widget.yaml"), document: 2 },
          expect.stringMatching(/document 2: missing metadata\.name/),
        ],
      ]),
    );
    // Drift found as well: drift wins, exit 1.
    kubectl(["scale", "deployment/backend", "--replicas=3", `--namespace=${namespace}`]);
    expect((await runCheck({ ...opts, mode: "client" })).exitCode).toBe(1);
  });

  kubeTest("a deleted object is Missing (critical), exit 1", async ({ namespace }) => {
    await writeFile(join(dir, "app.yaml"), `${DEPLOYMENT}---\n${CONFIGMAP}`);
    applyDesired(namespace);
    kubectl(["delete", "configmap", "settings", `--namespace=${namespace}`]);
    const { report, exitCode } = await runCheck({
      source: dir,
      kubeconfig: inject("kubeconfig"),
      namespace,
      mode: "server",
      output: "json",
    });
    expect(exitCode).toBe(1);
    expect(report.resources.find((r) => r.ref.kind === "ConfigMap")).toMatchObject({
      status: "Missing",
      severity: "critical",
    });
  });

  kubeTest("an unreachable cluster: exit 2 with one line naming the server", async () => {
    await writeFile(join(dir, "app.yaml"), CONFIGMAP);
    const config = parse(await readFile(inject("kubeconfig"), "utf8"));
    config.clusters[0].cluster.server = "https://127.0.0.1:9";
    const kubeconfig = `${dir}.kubeconfig`;
    await writeFile(kubeconfig, stringify(config));
    try {
      const r = await cli(["check", "--source", dir, "--kubeconfig", kubeconfig]);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe("");
      expect(r.stderr.trim().split("\n")).toEqual([
        expect.stringMatching(/^drift-detector: cannot reach the cluster at https:\/\/127\.0\.0\.1:9: .*ECONNREFUSED/),
      ]);
    } finally {
      await rm(kubeconfig, { force: true });
    }
  });

  kubeTest("rejected credentials: exit 2 with one line naming the server", async () => {
    await writeFile(join(dir, "app.yaml"), CONFIGMAP);
    const config = parse(await readFile(inject("kubeconfig"), "utf8"));
    const server = config.clusters[0].cluster.server as string;
    config.users = [{ name: config.users[0].name, user: { token: "not-a-valid-token" } }];
    const kubeconfig = `${dir}.kubeconfig`;
    await writeFile(kubeconfig, stringify(config));
    try {
      const r = await cli(["check", "--source", dir, "--kubeconfig", kubeconfig]);
      expect(r.code).toBe(2);
      const lines = r.stderr.trim().split("\n");
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(`the cluster at ${server} `);
      expect(lines[0]).toMatch(/401 Unauthorized|403 Forbidden/);
    } finally {
      await rm(kubeconfig, { force: true });
    }
  });

  kubeTest("bad flags and unreadable sources: exit 2 with one line", async () => {
    const missing = await cli(["check", "--source", join(dir, "nope"), "--kubeconfig", inject("kubeconfig")]);
    expect(missing.code).toBe(2);
    expect(missing.stderr.trim()).toBe(`drift-detector: cannot read ${join(dir, "nope")}: no such file or directory`);
    const badMode = await cli(["check", "--source", dir, "--mode", "fast"]);
    expect(badMode.code).toBe(2);
    expect(badMode.stderr).toContain("fast");
    const badConcurrency = await cli(["check", "--source", dir, "--concurrency", "0"]);
    expect(badConcurrency.code).toBe(2);
    expect(badConcurrency.stderr.trim()).toBe(
      'drift-detector: --concurrency must be a whole number from 1 to 256, not "0"',
    );
    const context = await cli(["check", "--source", dir, "--kubeconfig", inject("kubeconfig"), "--context", "nope"]);
    expect(context.code).toBe(2);
    expect(context.stderr.trim()).toMatch(/^drift-detector: context nope not found in .* \(contexts: /);
  });
});

// The scenario runner on the shared scenarios (../shared/scenarios, beside the clone) and on the project's own
// (scenarios/): every scenario must pass in both comparison modes against the real sandbox, and on the state of each
// verdict client-first server mode must equal server mode dry-running every object (helpers/client-first.ts).
import { existsSync, readdirSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, inject, it } from "vitest";
import { runScenarioCommand } from "../../src/cli/commands/scenarios.js";
import { loadCluster } from "../../src/kube/cluster.js";
import { parseScenario } from "../../src/scenarios/format.js";
import { runScenarios } from "../../src/scenarios/runner.js";
import { clientFirstCrossCheck } from "../helpers/client-first.js";
import { kubectlPath } from "../helpers/kube.js";

const ROOT = resolve(import.meta.dirname, "../..");
const SUITES = [
  { name: "shared scenarios", dir: resolve(ROOT, "../shared/scenarios") },
  { name: "project scenarios", dir: resolve(ROOT, "scenarios") },
];

describe("scenarios", () => {
  for (const suite of SUITES) {
    const files = existsSync(suite.dir) ? readdirSync(suite.dir).filter((f) => /\.ya?ml$/.test(f)) : [];
    const why = existsSync(suite.dir) ? `no scenario files in ${suite.dir}` : `${suite.dir} is missing`;
    it.skipIf(files.length === 0)(
      `${suite.name}: all pass in both modes, client-first equal to full server mode${files.length === 0 ? ` (skipped: ${why})` : ""}`,
      { timeout: 900_000 },
      async () => {
        const lines: string[] = [];
        const tally = { objects: 0, clientInSync: 0, serverDrifted: 0 };
        const summary = await runScenarioCommand(
          suite.dir,
          { mode: "both", kubeconfig: inject("kubeconfig"), parallel: "4" },
          (line) => lines.push(line),
          { crossCheck: clientFirstCrossCheck(tally) },
        );
        const failures = lines.filter((l) => l.startsWith("FAIL"));
        expect(failures, failures.join("\n")).toEqual([]);
        expect(summary.failed).toBe(0);
        // The cross-check saw every verdict: as delivered (in sync) and after the steps (drifted, most of them).
        expect(tally.objects).toBeGreaterThanOrEqual(2 * 2 * files.length);
        expect(tally.clientInSync).toBeGreaterThan(0);
        expect(tally.serverDrifted).toBeGreaterThan(0);
        // Each file runs in each of its modes (a scenario may restrict `modes:`), at least once.
        expect(summary.passed).toBeGreaterThanOrEqual(files.length);
        expect(lines).toHaveLength(summary.passed);
      },
    );
  }
});

describe("scenarios command", () => {
  it("reports failures and broken files, prints the summary line last, exits 1", { timeout: 300_000 }, async () => {
    const { mkdtemp, rm, writeFile } = await import("node:fs/promises");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const { execFile } = await import("node:child_process");
    const dir = await mkdtemp(join(tmpdir(), "dd-scen-"));
    const desired =
      "desired: |\n  apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: settings}\n  data: {LOG_LEVEL: info, MODE: fast}\n";
    // kubectl edit driven non-interactively: the step's env sets KUBE_EDITOR to a command that deletes a line.
    await writeFile(
      join(dir, "a-edit-removes.yaml"),
      `name: edit-removes\n${desired}steps:\n  - kubectl: edit configmap settings\n    env: {KUBE_EDITOR: "sed -i /LOG_LEVEL/d"}\nexpect:\n  - ref: ConfigMap/settings\n    status: Drifted\n    changes:\n      - {path: /data/LOG_LEVEL, type: removed, desired: info, by: none}\n`,
    );
    await writeFile(
      join(dir, "b-wrong.yaml"),
      `name: wrong-expectation\n${desired}steps:\n  - kubectl: patch configmap settings --type=merge -p '{"data":{"MODE":"slow"}}'\nexpect:\n  - ref: ConfigMap/settings\n    status: Drifted\n    changes:\n      - {path: /data/MODE, live: turbo}\n`,
    );
    await writeFile(join(dir, "c-broken.yaml"), "name: broken\nsteps: []\n");
    try {
      const result = await new Promise<{ code: number; stdout: string }>((done) => {
        execFile(
          process.execPath,
          [
            resolve(ROOT, "bin/drift-detector.js"),
            "scenarios",
            dir,
            "--mode",
            "client",
            "--kubeconfig",
            inject("kubeconfig"),
          ],
          (err, stdout) => done({ code: err ? ((err as { code?: number }).code ?? -1) : 0, stdout }),
        );
      });
      const lines = result.stdout.trim().split("\n");
      expect(lines).toEqual([
        "PASS edit-removes [client]",
        expect.stringMatching(
          /^FAIL wrong-expectation \[client\]: ConfigMap\/settings: change changed \/data\/MODE "fast" -> "slow" by kubectl\S* does not match \/data\/MODE, live "turbo"$/,
        ),
        expect.stringMatching(/^FAIL broken \[client\]: broken scenario file .*c-broken\.yaml: desired: /),
        "1 passed, 2 failed",
      ]);
      expect(result.code).toBe(1);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("scenario steps", () => {
  it("a kubectl step that loses every race (Conflict) is retried, then fails with kubectl's error", async () => {
    // A stale resourceVersion makes the real apiserver answer Conflict every time: the retries cannot help.
    const scenario = parseScenario(
      `name: stale-replace
desired: |
  apiVersion: v1
  kind: ConfigMap
  metadata: {name: settings}
  data: {MODE: fast}
steps:
  - kubectl: replace -f -
    stdin: '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"settings","resourceVersion":"1"},"data":{"MODE":"slow"}}'
expect: []
`,
      "stale-replace.yaml",
    );
    const cluster = loadCluster({ kubeconfig: inject("kubeconfig") });
    try {
      const summary = await runScenarios([scenario], {
        cluster,
        kubeconfig: inject("kubeconfig"),
        kubectl: kubectlPath(),
        modes: ["client"],
        stepRetry: { attempts: 3, pauseMs: 50 },
      });
      expect(summary.failed).toBe(1);
      expect(summary.outcomes[0]!.problems).toEqual([
        expect.stringMatching(
          /^step 1 \(kubectl replace -f -\) failed: Error from server \(Conflict\): .*the object has been modified.* \(on each of 3 attempts\)$/,
        ),
      ]);
    } finally {
      await cluster.client.close();
    }
  });
});

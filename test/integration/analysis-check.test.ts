// `check --analyze` against the real sandbox: every drift gets an analysis, from the rules without a key and from
// Claude (the local Messages API server) with one; no secret in what Claude is sent, no key in what is printed.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, inject } from "vitest";
import type { AnalysedReport } from "../../src/analysis/attach.js";
import { cli } from "../helpers/cli.js";
import { type FakeAnthropic, startFakeAnthropic } from "../helpers/fake-anthropic.js";
import { kubectlWithInput, kubeTest } from "../helpers/kube.js";
import { backendDeployment, LOG_LEVEL_SETTINGS } from "../helpers/manifests.js";

const KEY = "sk-ant-api03-integration-test-key-0123456789";

const DESIRED = `${backendDeployment()}---
${LOG_LEVEL_SETTINGS}---
apiVersion: v1
kind: Secret
metadata:
  name: db-credentials
type: Opaque
stringData:
  PASSWORD: s3cret-value
`;
const SECRETS = ["s3cret-value", "hunter2-value", "czNjcmV0LXZhbHVl", "aHVudGVyMi12YWx1ZQ"];

const kubectl = (namespace: string, args: string[], stdin?: string) =>
  kubectlWithInput([...args, `--namespace=${namespace}`], stdin);

/** `check --analyze --output json` with `env` alone of the analysis settings (none from this process). */
function check(dir: string, namespace: string, env: Record<string, string>) {
  const args = ["check", "--source", dir, "--kubeconfig", inject("kubeconfig"), "--namespace", namespace];
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^(CLAUDE_|ANTHROPIC_|DRIFT_)/.test(k)),
  );
  return cli([...args, "--analyze", "--output", "json"], { ...clean, ...env });
}

describe("check --analyze", () => {
  let dir: string;
  let fake: FakeAnthropic;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "dd-analyze-"));
    fake = await startFakeAnthropic();
  });
  afterEach(async () => {
    await fake.close();
    await rm(dir, { recursive: true, force: true });
  });

  kubeTest("explains every drift with rules, then with Claude; secrets and the key stay out", async ({ namespace }) => {
    await writeFile(join(dir, "app.yaml"), DESIRED);
    kubectl(namespace, ["apply", "--server-side", "--field-manager=confighub", "-f", "-"], DESIRED);
    kubectl(namespace, ["scale", "deployment/backend", "--replicas=5"]);
    kubectl(namespace, ["delete", "configmap", "settings"]);
    kubectl(namespace, [
      "patch",
      "secret",
      "db-credentials",
      "--type=merge",
      "-p",
      '{"stringData":{"PASSWORD":"hunter2-value"}}',
    ]);

    const rules = await check(dir, namespace, { DRIFT_ANALYSIS: "rules" });
    expect(rules.code, rules.stderr).toBe(1);
    const rulesReport = JSON.parse(rules.stdout) as AnalysedReport;
    const analysed = rulesReport.resources.filter((r) => r.status !== "InSync");
    expect(analysed).toHaveLength(3);
    for (const r of analysed) expect(r.analysis?.source).toBe("rules");
    const byKind = Object.fromEntries(analysed.map((r) => [r.ref.kind, r.analysis!]));
    expect(byKind.Deployment.recommendation.action).toBe("accept");
    expect(byKind.ConfigMap).toMatchObject({ risk: { level: "critical" }, recommendation: { action: "revert" } });
    expect(byKind.Secret.recommendation.action).toBe("investigate");
    expect(fake.requests).toHaveLength(0);

    const claude = await check(dir, namespace, {
      CLAUDE_API_KEY: KEY,
      ANTHROPIC_BASE_URL: fake.url,
      DRIFT_LOG_LEVEL: "debug",
    });
    expect(claude.code, claude.stderr).toBe(1);
    const claudeReport = JSON.parse(claude.stdout) as AnalysedReport;
    for (const r of claudeReport.resources.filter((x) => x.status !== "InSync")) {
      expect(r.analysis?.source).toBe("claude");
    }
    // related drifts of one detection: one request
    expect(fake.requests).toHaveLength(1);
    for (const s of SECRETS) {
      expect(fake.requests[0].rawBody).not.toContain(s);
      expect(claude.stdout).not.toContain(s);
      expect(claude.stderr).not.toContain(s);
    }
    expect(claude.stderr).toContain("analysis request");
    expect(claude.stderr).not.toContain(KEY);
    expect(claude.stdout).not.toContain(KEY);
  });

  kubeTest("without a key, check still explains the drift with the rules and says so", async ({ namespace }) => {
    await writeFile(join(dir, "app.yaml"), DESIRED);
    kubectl(namespace, ["apply", "--server-side", "--field-manager=confighub", "-f", "-"], DESIRED);
    kubectl(namespace, ["scale", "deployment/backend", "--replicas=3"]);
    const r = await check(dir, namespace, {});
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain("no CLAUDE_API_KEY set: analysing with the rules");
    const report = JSON.parse(r.stdout) as AnalysedReport;
    expect(report.resources.find((x) => x.ref.kind === "Deployment")?.analysis?.source).toBe("rules");
  });
});

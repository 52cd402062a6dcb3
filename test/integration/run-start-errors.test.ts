// `run` refuses a start it cannot make with one line and exit 2 — every expected failure, whichever part raised it
// (settings, the source, the store), goes through the one ExpectedError root caught in main().
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, inject, it } from "vitest";
import { cli } from "../helpers/cli.js";

describe("run: a start it cannot make", () => {
  const dir = mkdtempSync(join(tmpdir(), "dd-run-errors-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const env = (extra: NodeJS.ProcessEnv) => {
    const e: NodeJS.ProcessEnv = {
      ...process.env,
      KUBECONFIG: inject("kubeconfig"),
      DRIFT_LEADER_ELECTION: "false",
      DRIFT_LISTEN: "127.0.0.1:0",
      DRIFT_ANALYSIS: "rules",
      ...extra,
    };
    for (const k of ["HUB_URL", "DATABASE_URL", "CONFIGHUB_URL", "CUB_SERVER", "CUB_TOKEN"]) delete e[k];
    return e;
  };
  const oneLine = (out: { code: number; stdout: string; stderr: string }) => {
    expect(out.code).toBe(2);
    expect(out.stderr.trim().split("\n")).toHaveLength(1);
    expect(out.stderr).not.toMatch(/\n\s+at /);
    return out.stderr.trim();
  };

  it("a source that cannot be opened (SourceUnavailableError) is one line, not a stack trace", async () => {
    const out = await cli(
      ["run", "--source", "hub:prod", "--data-dir", join(dir, "a")],
      env({ DRIFT_REVISION: "newest" }),
    );
    expect(oneLine(out)).toMatch(/^drift-detector: .*newest/);
  }, 120_000);

  it("a bad engine configuration file is one line", async () => {
    const config = join(dir, "config.yaml");
    writeFileSync(config, "ignore: [1, 2\n");
    const out = await cli(["run", "--source", dir, "--data-dir", join(dir, "b")], env({ DRIFT_CONFIG: config }));
    expect(oneLine(out)).toMatch(/^drift-detector: .*config\.yaml/);
  }, 120_000);
});

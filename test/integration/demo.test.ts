import { execFile } from "node:child_process";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";

// The acceptance: `drift-detector demo` brings everything up on its own (its own sandbox, hub and detector
// under one folder), plays the story to exit 0, and `demo --stop` leaves no process behind. Slow (minutes on a busy
// machine): it is the whole system.

const BIN = resolve(import.meta.dirname, "../../bin/drift-detector.js");
const run = promisify(execFile);

let dir: string | undefined;

/** Processes whose command line mentions the demo folder (all of the demo's own carry it). */
async function processesIn(folder: string): Promise<string[]> {
  const found: string[] = [];
  for (const pid of (await readdir("/proc")).filter((p) => /^\d+$/.test(p))) {
    const cmdline = await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => "");
    if (cmdline.includes(folder)) found.push(`${pid}: ${cmdline.replaceAll("\0", " ").slice(0, 200)}`);
  }
  return found;
}

afterAll(async () => {
  if (!dir) return;
  await run(process.execPath, [BIN, "demo", "--stop", "--dir", dir]).catch(() => {});
  await rm(dir, { recursive: true, force: true });
});

describe("drift-detector demo", () => {
  it("plays the story to exit 0, and --stop leaves no process behind", { timeout: 900_000 }, async () => {
    dir = await mkdtemp(join(tmpdir(), "demo-test-"));
    const env = { ...process.env, CLAUDE_API_KEY: "", ANTHROPIC_API_KEY: "" };
    const { stdout } = await run(process.execPath, [BIN, "demo", "--dir", dir], {
      env,
      maxBuffer: 16 * 1024 * 1024,
      timeout: 840_000,
    });
    expect(stdout).toMatch(/✔ \[12\/15\] Promoting it to \S+-prod: /);
    expect(stdout).toMatch(/spec\.replicas: 3 → 5 {2}by kubectl/);
    expect(stdout).toMatch(/containers\[name=frontend\]\.image: .*1\.1\.1" → ".*1\.1\.2-hotfix" {2}by kubectl-set/);
    expect(stdout).toMatch(/analysis \(rules\): /);
    expect(stdout).toMatch(/reverted Deployment \S+-prod\/backend/);
    expect(stdout).toMatch(/backend has 3 replicas again/);
    expect(stdout).toMatch(/accepted into \S+-staging\/frontend as revision \d+/);
    expect(stdout).toMatch(/now runs ghcr\.io\/confighubai\/cubbychat\/frontend:1\.1\.2-hotfix/);
    // the detector's own promotion: changed in dev, promoted to prod keeping prod's overrides, rolled back
    expect(stdout).toMatch(/✔ \[13\/15\] The detector's own change: DRIFT_INTERVAL=2m in drift-detector-dev/);
    expect(stdout).toMatch(/sandbox: devops-apps\/drift-detector runs with DRIFT_INTERVAL=2m/);
    expect(stdout).toMatch(/✔ \[14\/15\] Promoting it to drift-detector-prod: hub unit update --patch --upgrade/);
    expect(stdout).toMatch(/sandbox: drift-detector-prod\/drift-detector runs with DRIFT_INTERVAL=2m/);
    expect(stdout).toMatch(/keeps prod's 2 replicas/);
    expect(stdout).toMatch(/✔ \[15\/15\] Rolling drift-detector-prod back: hub unit update --restore \d+/);
    expect(stdout).toMatch(
      /sandbox: drift-detector-prod\/drift-detector runs with DRIFT_INTERVAL=5m\n[\s\S]*Dashboard:/,
    );
    expect(stdout).toMatch(/Dashboard: +http:\/\/127\.0\.0\.1:\d+\//);
    expect(await processesIn(dir)).not.toEqual([]);

    const stopped = await run(process.execPath, [BIN, "demo", "--stop", "--dir", dir], { env });
    expect(stopped.stdout).toMatch(/demo stopped: .*detector.*hub.*kube-apiserver.*etcd/);
    expect(await processesIn(dir)).toEqual([]);
  });
});

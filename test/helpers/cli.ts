// The CLI as users run it, in a child process of its own.
import { execFile } from "node:child_process";
import { resolve } from "node:path";
import { promisify } from "node:util";
import { vi } from "vitest";

const run = promisify(execFile);
export const CLI_BIN = resolve(import.meta.dirname, "../../bin/drift-detector.js");

/**
 * Runs `drift-detector ARGS` in `env` (this process's by default); resolves with exit code, stdout and stderr (no
 * throw on a non-zero exit).
 */
export async function cli(
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI_BIN, ...args], { env: { ...env, NO_COLOR: "1" } });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** Runs `drift-detector hub ARGS` in this process (through `main()`), capturing what it prints. */
export async function hubCliInProcess(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const { main } = await import("../../src/cli/program.js");
  let out = "";
  let err = "";
  const o = vi.spyOn(process.stdout, "write").mockImplementation((s) => {
    out += String(s);
    return true;
  });
  const e = vi.spyOn(process.stderr, "write").mockImplementation((s) => {
    err += String(s);
    return true;
  });
  process.exitCode = undefined;
  try {
    const code = await main(["node", "drift-detector", "hub", ...args]);
    return { code, out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
    process.exitCode = undefined;
  }
}

import { spawn } from "node:child_process";
import { SandboxError } from "./errors.js";

export interface Step {
  /** What the user reads, e.g. "go build kube-apiserver kube-controller-manager kubectl". */
  title: string;
  command: string;
  args: string[];
  cwd: string;
  env?: NodeJS.ProcessEnv;
  /** What the heartbeat counts, e.g. "packages built"; with `counts` saying which output lines are one. */
  unit?: string;
  counts?: (line: string) => boolean;
}

export interface StepOptions {
  log: (line: string) => void;
  /** A life sign every this many ms while the step runs (CI logs must show a long build is alive). */
  heartbeatMs: number;
  /** Lines of output kept for the failure message. */
  tailLines?: number;
}

/**
 * Runs one build step, printing a heartbeat with elapsed time and how much output it has made (with `go build -v`:
 * packages built). A failure becomes a SandboxError naming the step and its last output lines.
 */
export async function runStep(step: Step, opts: StepOptions): Promise<void> {
  const keep = opts.tailLines ?? 25;
  const tail: string[] = [];
  let lines = 0;
  let partial = "";
  const started = Date.now();
  const onData = (chunk: Buffer) => {
    const parts = (partial + chunk.toString("utf8")).split("\n");
    partial = parts.pop() ?? "";
    for (const line of parts) {
      if (!line.trim()) continue;
      if (step.counts?.(line) ?? true) lines++;
      tail.push(line);
      if (tail.length > keep) tail.shift();
    }
  };
  const child = spawn(step.command, step.args, { cwd: step.cwd, env: step.env ?? process.env, stdio: "pipe" });
  child.stdout.on("data", onData);
  child.stderr.on("data", onData);
  const timer = setInterval(() => {
    const last = tail.at(-1)?.slice(0, 100) ?? "";
    opts.log(
      `  … ${step.title}: ${formatDuration(Date.now() - started)}, ${lines} lines of output${last ? `, last: ${last}` : ""}`,
    );
  }, opts.heartbeatMs);
  try {
    const code = await new Promise<number>((resolve, reject) => {
      child.on("error", reject);
      child.on("close", (c, signal) => resolve(c ?? (signal ? 128 : 1)));
    });
    if (partial.trim()) tail.push(partial);
    if (code !== 0) {
      const shown = tail.slice(-keep).map((l) => `    ${l}`);
      throw new SandboxError(
        `${step.title} failed (exit ${code}) in ${step.cwd}; last output:\n${shown.join("\n") || "    (none)"}`,
      );
    }
  } finally {
    clearInterval(timer);
  }
}

export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
}

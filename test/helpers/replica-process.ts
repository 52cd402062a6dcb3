// `drift-detector run` as real child processes (replicas), with their JSON log lines; for the tests and benches of
// replicas sharing work (HA, sharding).
import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { createInterface } from "node:readline";

const BIN = join(import.meta.dirname, "../../bin/drift-detector.js");

export interface ReplicaProcess {
  name: string;
  child: ChildProcess;
  lines: Array<Record<string, unknown>>;
  exited: Promise<{ code: number | null; signal: string | null; at: number }>;
  /** Lines matching, as they are now. */
  linesWhere(pred: (l: Record<string, unknown>) => boolean): Array<Record<string, unknown>>;
  kill(signal: NodeJS.Signals): void;
}

/** Starts `node bin/drift-detector.js run ARGS` with POD_NAME=name and `env` over the test's own environment. */
export function startReplicaProcess(name: string, args: string[], env: NodeJS.ProcessEnv): ReplicaProcess {
  const child = spawn(process.execPath, [BIN, "run", ...args], {
    env: { ...process.env, ...env, POD_NAME: name },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines: Array<Record<string, unknown>> = [];
  createInterface({ input: child.stdout! }).on("line", (l) => {
    try {
      lines.push(JSON.parse(l));
    } catch {
      lines.push({ msg: l });
    }
  });
  child.stderr!.on("data", (d) => lines.push({ stderr: String(d) }));
  const exited = new Promise<{ code: number | null; signal: string | null; at: number }>((resolve) =>
    child.on("exit", (code, signal) => resolve({ code, signal, at: Date.now() })),
  );
  return {
    name,
    child,
    lines,
    exited,
    linesWhere: (pred) => lines.filter(pred),
    kill: (signal) => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
  };
}

/** The time of a log line (pino writes epoch milliseconds). */
export const lineTime = (l: Record<string, unknown>): number =>
  typeof l.time === "number" ? l.time : Date.parse(String(l.time));

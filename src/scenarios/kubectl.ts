// Runs the sandbox's real kubectl for scenario setup and steps: argv split like a POSIX shell would (quotes,
// backslashes), never through a shell, with --kubeconfig and --namespace added and stdin piped.
import { spawn } from "node:child_process";

export interface KubectlRun {
  code: number;
  stdout: string;
  stderr: string;
}

export interface KubectlOptions {
  kubectl: string;
  kubeconfig: string;
  namespace?: string;
  stdin?: string;
  env?: Record<string, string>;
  timeoutMs?: number;
}

export function runKubectl(args: string[], opts: KubectlOptions): Promise<KubectlRun> {
  const argv = [...args, `--kubeconfig=${opts.kubeconfig}`];
  if (opts.namespace) argv.push(`--namespace=${opts.namespace}`);
  return new Promise((resolve) => {
    const child = spawn(opts.kubectl, argv, {
      env: { ...process.env, KUBECONFIG: opts.kubeconfig, ...opts.env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    const timer = setTimeout(() => {
      stderr += `\nkilled after ${(opts.timeoutMs ?? 60_000) / 1000}s`;
      child.kill("SIGKILL");
    }, opts.timeoutMs ?? 60_000);
    child.stdout.on("data", (d) => {
      stdout += d;
    });
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    child.on("error", (err) => {
      clearTimeout(timer);
      resolve({ code: 127, stdout, stderr: `${stderr}${err.message}` });
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? 1, stdout, stderr });
    });
    child.stdin.on("error", () => {}); // kubectl may exit before reading stdin
    child.stdin.end(opts.stdin ?? "");
  });
}

/** Splits a command line into words like a POSIX shell: '…' literal, "…" with \-escapes, \x outside quotes. */
export function splitWords(line: string): string[] {
  const words: string[] = [];
  let word = "";
  let inWord = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (ch === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) throw new Error(`unclosed ' in: ${line}`);
      word += line.slice(i + 1, end);
      inWord = true;
      i = end;
    } else if (ch === '"') {
      inWord = true;
      let j = i + 1;
      for (; j < line.length && line[j] !== '"'; j++) {
        if (line[j] === "\\" && j + 1 < line.length && '"\\$`'.includes(line[j + 1]!)) j++;
        word += line[j];
      }
      if (j >= line.length) throw new Error(`unclosed " in: ${line}`);
      i = j;
    } else if (ch === "\\" && i + 1 < line.length) {
      word += line[++i];
      inWord = true;
    } else if (/\s/.test(ch)) {
      if (inWord) words.push(word);
      word = "";
      inWord = false;
    } else {
      word += ch;
      inWord = true;
    }
  }
  if (inWord) words.push(word);
  return words;
}

/** kubectl lost a race: the object changed between its read and its write (a controller wrote status, say). */
export function isConflict(run: KubectlRun): boolean {
  return run.code !== 0 && /\(Conflict\)|the object has been modified/.test(run.stderr);
}

export interface ConflictRetry {
  /** Runs in all, the first included. */
  attempts: number;
  /** Pause before the n-th retry: n × pauseMs. */
  pauseMs: number;
}

export const STEP_RETRY: ConflictRetry = { attempts: 4, pauseMs: 500 };

/**
 * Runs kubectl again, after a short pause, while it fails with a Conflict: the sandbox's controllers update the
 * objects a step replaces. Any other failure, or a Conflict on every attempt, is returned as is.
 */
export async function runKubectlRetryingConflicts(
  args: string[],
  opts: KubectlOptions,
  retry: ConflictRetry = STEP_RETRY,
  run: (args: string[], opts: KubectlOptions) => Promise<KubectlRun> = runKubectl,
): Promise<KubectlRun & { attempts: number }> {
  for (let attempt = 1; ; attempt++) {
    const r = await run(args, opts);
    if (!isConflict(r) || attempt >= retry.attempts) return { ...r, attempts: attempt };
    await new Promise((resolve) => setTimeout(resolve, attempt * retry.pauseMs));
  }
}

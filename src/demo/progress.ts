import { formatDuration } from "../sandbox/run-step.js";

// One line per step: "[ 3/12] Loading global-app … ok (1.2s)". On a terminal a spinner with the elapsed time and
// the latest detail (e.g. the build's package count) turns while a step runs; elsewhere (CI logs, pipes) a detail
// line is printed at most every `heartbeatMs`, so a long first control-plane build visibly lives.

const FRAMES = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

export interface ProgressOptions {
  out?: NodeJS.WriteStream | { write(s: string): boolean; isTTY?: boolean };
  total: number;
  heartbeatMs?: number;
}

export class Progress {
  private readonly out: ProgressOptions["out"] & object;
  private readonly tty: boolean;
  private n = 0;

  constructor(private readonly opts: ProgressOptions) {
    this.out = opts.out ?? process.stdout;
    this.tty = Boolean(this.out.isTTY);
  }

  /** Runs one step; `detail` lets the work report what it is doing. Failure prints the step as failed and rethrows. */
  async step<T>(title: string, work: (detail: (line: string) => void) => Promise<T>): Promise<T> {
    this.n++;
    const label = `[${String(this.n).padStart(String(this.opts.total).length)}/${this.opts.total}] ${title}`;
    const started = Date.now();
    let latest = "";
    let lastPrinted = started;
    let frame = 0;
    const heartbeat = this.opts.heartbeatMs ?? 15_000;
    const render = () => {
      const elapsed = formatDuration(Date.now() - started);
      if (this.tty) {
        const line = `${FRAMES[frame++ % FRAMES.length]} ${label} ${elapsed}${latest ? ` · ${latest}` : ""}`;
        this.out.write(`\r\x1b[2K${line.slice(0, (process.stdout.columns || 120) - 1)}`);
      } else if (Date.now() - lastPrinted >= heartbeat) {
        lastPrinted = Date.now();
        this.out.write(`        … ${elapsed}${latest ? `: ${latest}` : ""}\n`);
      }
    };
    if (!this.tty) this.out.write(`${label} …\n`);
    const timer = setInterval(render, this.tty ? 100 : 1_000);
    const detail = (line: string) => {
      latest = line.trim().replace(/^\u2026\s*/, ""); // "…", escaped: the bundle stays ASCII (scripts/build.ts)
    };
    try {
      const result = await work(detail);
      this.finish(`✔ ${label} (${formatDuration(Date.now() - started)})`);
      return result;
    } catch (err) {
      this.finish(`✘ ${label} failed after ${formatDuration(Date.now() - started)}`);
      throw err;
    } finally {
      clearInterval(timer);
    }
  }

  /** A line of the story, between steps. */
  say(text: string): void {
    this.out.write(`${text}\n`);
  }

  private finish(line: string): void {
    this.out.write(this.tty ? `\r\x1b[2K${line}\n` : `${line}\n`);
  }
}

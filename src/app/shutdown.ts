// Graceful shutdown: on SIGTERM/SIGINT run the registered steps in reverse order of registration
// (the last thing started stops first), within a deadline after which the process exits anyway.
import type { Logger } from "pino";

export type ShutdownStep = { name: string; run: () => Promise<void> | void };

export class Shutdown {
  private readonly steps: ShutdownStep[] = [];
  private running: Promise<void> | undefined;
  private current: string | undefined;
  private readonly controller = new AbortController();
  private handlers: Array<[NodeJS.Signals, () => void]> = [];

  constructor(
    private readonly logger: Logger,
    private readonly deadlineMs = 10_000,
  ) {}

  /** Aborted as soon as shutdown begins: long work (a detection, a backoff sleep) watches this. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  add(name: string, run: ShutdownStep["run"]): void {
    this.steps.push({ name, run });
  }

  listen(signals: NodeJS.Signals[] = ["SIGTERM", "SIGINT"]): void {
    for (const sig of signals) {
      const handler = () => {
        this.logger.info({ signal: sig }, "shutting down");
        void this.run().then((ok) => process.exit(ok ? 0 : 1));
      };
      process.once(sig, handler);
      this.handlers.push([sig, handler]);
    }
  }

  /** Runs every step once; resolves true when all finished before the deadline. */
  async run(): Promise<boolean> {
    if (!this.running) {
      this.controller.abort(new Error("shutting down"));
      this.running = (async () => {
        for (const step of [...this.steps].reverse()) {
          this.current = step.name;
          const started = performance.now();
          try {
            await step.run();
          } catch (err) {
            this.logger.warn({ step: step.name, err: String(err) }, "shutdown step failed");
          }
          this.logger.debug({ step: step.name, ms: Math.round(performance.now() - started) }, "shutdown step done");
        }
        this.current = undefined;
      })();
    }
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), this.deadlineMs);
      timer.unref();
    });
    const ok = await Promise.race([this.running.then(() => true), deadline]);
    clearTimeout(timer);
    // Naming the step still running tells an operator what hung.
    if (!ok)
      this.logger.error(
        { deadlineMs: this.deadlineMs, step: this.current },
        "shutdown deadline passed; exiting anyway",
      );
    for (const [sig, h] of this.handlers) process.off(sig, h);
    return ok;
  }
}

// The one root of expected failures. Anything that should reach a person as one clear line (a bad flag, a source
// that cannot be opened, a cluster that refuses us) extends ExpectedError; `main()` catches it once, prints the
// message and exits with its code. Anything else is a bug and keeps its stack trace.

export class ExpectedError extends Error {
  override readonly name: string = "ExpectedError";
  /** The process exit code when this ends a command: 2 = could not do the job (as `check`'s contract says). */
  readonly exitCode: number;
  constructor(message: string, options: { exitCode?: number; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.exitCode = options.exitCode ?? 2;
  }
}

/** One line describing any error, for results and CLI messages. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message.split("\n")[0] ?? err.name;
  return String(err);
}

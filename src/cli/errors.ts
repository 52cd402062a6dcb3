import { ExpectedError } from "../lib/errors.js";

/** A failure the CLI itself finds (a bad flag, a missing file): one line, then exit with `exitCode` (default 2). */
export class CliError extends ExpectedError {
  override readonly name = "CliError";
  constructor(message: string, exitCode = 2) {
    super(message, { exitCode });
  }
}

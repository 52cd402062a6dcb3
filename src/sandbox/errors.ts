import { ExpectedError } from "../lib/errors.js";

/** An expected sandbox failure (missing toolchain, failed build, a component that would not start): one clear message. */
export class SandboxError extends ExpectedError {
  override readonly name = "SandboxError";
  constructor(message: string) {
    super(message, { exitCode: 1 });
  }
}

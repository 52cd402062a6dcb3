/** An expected sandbox failure (missing toolchain, failed build, a component that would not start): one clear message. */
export class SandboxError extends Error {
  override readonly name = "SandboxError";
}

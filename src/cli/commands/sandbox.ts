import type { Command } from "commander";
import { ensureControlPlane } from "../../sandbox/build.js";
import { type SandboxStatus, start, status, stop } from "../../sandbox/controlplane.js";
import { formatDuration } from "../../sandbox/run-step.js";

const DEFAULT_DIR = ".sandbox";
const progress = (line: string) => process.stderr.write(`${line}\n`);

/** `drift-detector sandbox build|start|stop|status`: a real local control plane (etcd, kube-apiserver, controller manager). */
export function register(sandbox: Command): void {
  sandbox
    .command("build")
    .description("build (or find) the control-plane binaries only; they are cached per pinned version")
    .action(async () => {
      const b = await ensureControlPlane({ log: progress });
      const how =
        b.origin === "kubebuilder-assets" ? "from KUBEBUILDER_ASSETS" : b.origin === "cache" ? "cached" : "built";
      process.stdout.write(`control plane ${how}: ${b.dir}\n`);
    });

  sandbox
    .command("start")
    .description("start the sandbox in the background; writes DIR/kubeconfig and DIR/bin/kubectl")
    .option("--dir <dir>", "folder for its data, logs, certificates and kubeconfig", DEFAULT_DIR)
    .action(async (opts: { dir: string }) => {
      const r = await start(opts.dir, { log: progress });
      const line = r.alreadyRunning ? "sandbox already running" : `sandbox started in ${formatDuration(r.elapsedMs)}`;
      process.stdout.write(`${line} at ${r.server}\n${usage(r)}`);
    });

  sandbox
    .command("stop")
    .description("stop the processes this sandbox started (safe to repeat); its data stays in DIR")
    .option("--dir <dir>", "the sandbox folder", DEFAULT_DIR)
    .action(async (opts: { dir: string }) => {
      const { stopped } = await stop(opts.dir);
      process.stdout.write(stopped.length ? `stopped ${stopped.join(", ")}\n` : "sandbox was not running\n");
    });

  sandbox
    .command("status")
    .description("whether the sandbox runs (exit 0) or not (exit 1)")
    .option("--dir <dir>", "the sandbox folder", DEFAULT_DIR)
    .option("--json", "print the status as JSON")
    .action(async (opts: { dir: string; json?: boolean }) => {
      const s = await status(opts.dir);
      process.stdout.write(opts.json ? `${JSON.stringify(s, null, 2)}\n` : describe(s));
      process.exitCode = s.state === "running" && s.ready ? 0 : 1;
    });
}

function describe(s: SandboxStatus): string {
  const procs = s.components.map((c) => `  ${c.component}: ${c.running ? `running (pid ${c.pid})` : "not running"}`);
  const head =
    s.state === "running"
      ? `sandbox running at ${s.server}${s.ready ? "" : " (apiserver not ready)"}`
      : s.state === "partial"
        ? `sandbox partly running; \`drift-detector sandbox start --dir ${s.dir}\` restarts it`
        : `sandbox not running in ${s.dir}`;
  return `${head}\n${procs.join("\n")}${procs.length ? "\n" : ""}${s.state === "running" ? usage(s) : ""}`;
}

function usage(s: SandboxStatus): string {
  return `  kubeconfig: ${s.kubeconfig}\n  try: ${s.kubectl} --kubeconfig ${s.kubeconfig} get namespaces\n`;
}

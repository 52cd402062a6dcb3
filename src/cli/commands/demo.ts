import type { Command } from "commander";
import { CliError } from "../errors.js";

// The demo's modules load only when `demo` runs: other commands do not pay for them.
const load = async () => ({
  ...(await import("../../demo/layout.js")),
  ...(await import("../../demo/progress.js")),
  ...(await import("../../demo/services.js")),
  ...(await import("../../demo/setup.js")),
  ...(await import("../../demo/state.js")),
  ...(await import("../../demo/stop.js")),
  ...(await import("../../demo/story.js")),
  sandboxStatus: (await import("../../sandbox/controlplane.js")).status,
});

interface DemoOptions {
  dir: string;
  story: boolean;
  stop?: boolean;
}

/** `drift-detector demo`: the whole system on one machine, end to end (sandbox, hub, detector, the story). */
export function register(cmd: Command): void {
  cmd
    .option("--dir <dir>", "folder for all of the demo's state, data, logs and pid files", ".demo")
    .option("--no-story", "only bring the system up and leave it running")
    .option("--stop", "stop everything a demo started (safe to repeat)")
    .action((opts: DemoOptions) => (opts.stop ? stop(opts) : demo(opts)));
}

async function stop(opts: DemoOptions): Promise<void> {
  const { stopDemo, demoLayout } = await load();
  const stopped = await stopDemo(demoLayout(opts.dir));
  process.stdout.write(stopped.length ? `demo stopped: ${stopped.join(", ")}\n` : "no demo was running\n");
}

async function demo(opts: DemoOptions): Promise<void> {
  const { demoLayout, Progress, SETUP_STEPS, STORY_STEPS, setUp, playStory, stopDemo } = await load();
  const layout = demoLayout(opts.dir);
  await refuseIfRunning(opts.dir);
  const progress = new Progress({ total: SETUP_STEPS + (opts.story ? STORY_STEPS : 0) });
  progress.say(`drift-detector demo: everything lives in ${layout.dir} (Ctrl-C or \`npm run demo -- --stop\` ends it)`);

  // Ctrl-C (or a SIGTERM) at any point ends every process the demo started, then exits.
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`\n${signal}: stopping the demo…\n`);
    // Twice: a process the interrupted step was just launching is caught by the second pass.
    stopDemo(layout)
      .then(async (stopped) => [...stopped, ...(await stopDemo(layout))])
      .then((stopped) => process.stdout.write(`stopped: ${stopped.join(", ") || "nothing was running"}\n`))
      .finally(() => process.exit(130));
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);

  try {
    const state = await setUp(layout, progress, process.env);
    if (opts.story) await playStory(state, progress);
    progress.say("");
    progress.say(`Dashboard:   ${state.detectorUrl}/`);
    progress.say(`Drift API:   ${state.detectorUrl}/api/drifts   (DRIFT_API_TOKEN is in ${layout.stateFile})`);
    progress.say(`Hub:         ${state.hubUrl}/api   spaces ${state.spaces.join(", ")}`);
    progress.say(`Cluster:     ${state.kubectl} --kubeconfig ${state.kubeconfig} get deployments -A`);
    progress.say(`Logs:        ${layout.logsDir}`);
    progress.say("The system keeps running. Stop it with: npm run demo -- --stop");
  } catch (err) {
    if (stopping) return;
    const message = err instanceof Error ? err.message : String(err);
    progress.say(`demo failed: ${message}`);
    progress.say(`logs are in ${layout.logsDir}; stopping what was started…`);
    await stopDemo(layout).catch(() => {});
    throw new CliError(`demo failed: ${message.split("\n")[0]}`, 1);
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}

async function refuseIfRunning(dir: string): Promise<void> {
  const { demoLayout, readState, serviceRunning, sandboxStatus } = await load();
  const layout = demoLayout(dir);
  const state = await readState(layout);
  const running =
    (await serviceRunning(layout, "hub")) ||
    (await serviceRunning(layout, "detector")) ||
    (await sandboxStatus(layout.sandboxDir)).state !== "stopped";
  if (running) {
    const which = state ? ` (spaces ${state.prefix}-…)` : "";
    throw new CliError(
      `a demo is already running in ${layout.dir}${which}: stop it first with \`npm run demo -- --stop\``,
    );
  }
}

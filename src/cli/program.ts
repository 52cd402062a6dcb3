// The CLI: one commander program; each command registers its options and action from its own file under commands/.
import { Command, CommanderError } from "commander";
import { ExpectedError, errorMessage } from "../lib/errors.js";

type CommandModule = { register(cmd: Command): void };

export interface CommandEntry {
  /** One line for `drift-detector --help`. */
  summary: string;
  /** What follows the name in the help's command list. */
  usage: string;
  load: () => Promise<CommandModule>;
}

// Only the module of the command being run is loaded: `--help` lists the commands from this table without loading
// any, and `sandbox …` never pays for the Kubernetes client, the database or the SDKs.
export const COMMANDS: Record<string, CommandEntry> = {
  check: {
    summary: "compare the desired state with the cluster once; exit 0 in sync, 1 drift found, 2 could not compare",
    usage: "[options]",
    load: () => import("./commands/check.js"),
  },
  run: {
    summary:
      "run the drift-detector service: watch the cluster(s), track drift records, serve the API, /metrics, /healthz and /readyz",
    usage: "[options]",
    load: () => import("./commands/run.js"),
  },
  sandbox: {
    summary:
      "a real local Kubernetes control plane (etcd, kube-apiserver, kube-controller-manager) built from Go modules",
    usage: "[command]",
    load: () => import("./commands/sandbox.js"),
  },
  scenarios: {
    summary: "run drift scenarios (format: scenarios/README.md) against a real cluster; exit 0 only when all pass",
    usage: "[options] <dir>",
    load: () => import("./commands/scenarios.js"),
  },
  hub: {
    summary: "the configuration hub: serve it, or work with spaces, units, revisions and functions (cub's verbs)",
    usage: "[command]",
    load: () => import("./commands/hub.js"),
  },
  drift: {
    summary: "the drift records of a running service: list, show, revert, accept, ignore",
    usage: "[command]",
    load: () => import("./commands/drift.js"),
  },
  rbac: {
    summary: "print the least-privilege Roles and ClusterRoles (YAML) for a detector watching SRC",
    usage: "[options]",
    load: () => import("./commands/rbac.js"),
  },
  demo: {
    summary:
      "start a sandbox cluster, the embedded hub and the detector, load global-app and the detector's own units, " +
      "then play a drift story with kubectl; the system keeps running until `demo --stop`",
    usage: "[options]",
    load: () => import("./commands/demo.js"),
  },
};

/** Builds the program for `argv`: every command is listed; only the one `argv` runs (or asks help for) is loaded. */
export async function buildProgram(
  argv: string[],
  commands: Record<string, CommandEntry> = COMMANDS,
): Promise<Command> {
  const program = new Command("drift-detector")
    .description("Configuration-drift detector for Kubernetes: desired state from a hub, live state from the cluster.")
    .version("0.1.0")
    .showHelpAfterError()
    .exitOverride()
    .configureHelp({ subcommandTerm: (cmd) => `${cmd.name()} ${commands[cmd.name()]?.usage ?? ""}`.trim() });
  const wanted = argv[2] === "help" ? argv[3] : argv[2];
  for (const [name, entry] of Object.entries(commands)) {
    const cmd = program.command(name).description(entry.summary);
    if (name === wanted) (await entry.load()).register(cmd);
  }
  return program;
}

/** Runs the CLI and returns the process exit code. Expected failures print one line, never a stack trace. */
export async function main(argv: string[]): Promise<number> {
  const program = await buildProgram(argv);
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    if (err instanceof ExpectedError) {
      process.stderr.write(`drift-detector: ${errorMessage(err)}\n`);
      return err.exitCode;
    }
    throw err;
  }
}

// The CLI: one commander program; each command registers itself from its own file under commands/.
import { Command, CommanderError } from "commander";
import { ExpectedError, errorMessage } from "../lib/errors.js";

type CommandModule = { register(program: Command): void };

// Each command lives in its own file under commands/ and registers itself. Only the module of the command being
// run is loaded (all of them for help), so `drift-detector sandbox …` does not pay for the Kubernetes client,
// the database or the SDKs.
const commandModules: Record<string, () => Promise<CommandModule>> = {
  check: () => import("./commands/check.js"),
  run: () => import("./commands/run.js"),
  sandbox: () => import("./commands/sandbox.js"),
  scenarios: () => import("./commands/scenarios.js"),
  hub: () => import("./commands/hub.js"),
  drift: () => import("./commands/drift.js"),
  demo: () => import("./commands/demo.js"),
  rbac: () => import("./commands/rbac.js"),
};

/** Builds the program; with `commandName` only that command is registered (the rest are loaded for help). */
export async function buildProgram(commandName?: string): Promise<Command> {
  const program = new Command("drift-detector")
    .description("Configuration-drift detector for Kubernetes: desired state from a hub, live state from the cluster.")
    .version("0.1.0")
    .showHelpAfterError()
    .exitOverride();
  const only = commandName && Object.hasOwn(commandModules, commandName) ? [commandModules[commandName]] : null;
  for (const load of only ?? Object.values(commandModules)) (await load()).register(program);
  return program;
}

/** Runs the CLI and returns the process exit code. Expected failures print one line, never a stack trace. */
export async function main(argv: string[]): Promise<number> {
  const program = await buildProgram(argv[2]);
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

import { Command, CommanderError } from "commander";
import { CliError } from "./errors.js";

type CommandModule = { register(program: Command): void };

// Each command lives in its own file under commands/ and registers itself; loaded lazily so that
// `drift-detector sandbox …` does not pay for loading the Kubernetes client or the database.
const commandModules: Array<() => Promise<CommandModule>> = [
  async () => import("./commands/demo.js"),
  async () => import("./commands/sandbox.js"),
  async () => import("./commands/check.js"),
  async () => import("./commands/scenarios.js"),
  async () => import("./commands/run.js"),
  async () => import("./commands/hub.js"),
];

export async function buildProgram(): Promise<Command> {
  const program = new Command("drift-detector")
    .description("Configuration-drift detector for Kubernetes: desired state from a hub, live state from the cluster.")
    .version("0.1.0")
    .showHelpAfterError()
    .exitOverride();
  for (const load of commandModules) (await load()).register(program);
  return program;
}

/** Runs the CLI and returns the process exit code. Expected failures print one line, never a stack trace. */
export async function main(argv: string[]): Promise<number> {
  const program = await buildProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    if (err instanceof CliError) {
      process.stderr.write(`drift-detector: ${err.message}\n`);
      return err.exitCode;
    }
    throw err;
  }
}

// The command table: `--help` lists every command without loading any module; a command loads only its own.
import type { Command } from "commander";
import { describe, expect, it } from "vitest";
import { buildProgram, COMMANDS, type CommandEntry } from "../../../src/cli/program.js";

function table() {
  const loaded: string[] = [];
  const commands: Record<string, CommandEntry> = Object.fromEntries(
    Object.entries(COMMANDS).map(([name, entry]) => [
      name,
      {
        ...entry,
        load: async () => {
          loaded.push(name);
          return { register: (cmd: Command) => void cmd.option("--probe", "registered by the module") };
        },
      },
    ]),
  );
  return { commands, loaded };
}

describe("buildProgram", () => {
  it("lists every command with its summary and usage for --help, loading none", async () => {
    const { commands, loaded } = table();
    const program = await buildProgram(["node", "drift-detector", "--help"], commands);
    const help = program.helpInformation();
    for (const [name, entry] of Object.entries(COMMANDS)) {
      expect(help).toContain(`${name} ${entry.usage}`);
      expect(help.replace(/\s+/g, " ")).toContain(entry.summary.slice(0, 40));
    }
    expect(loaded).toEqual([]);
  });

  it("loads only the command that runs, and the one `help NAME` asks for", async () => {
    const run = table();
    const program = await buildProgram(["node", "drift-detector", "check", "--source", "x"], run.commands);
    expect(run.loaded).toEqual(["check"]);
    expect(program.commands.find((c) => c.name() === "check")?.options.map((o) => o.long)).toEqual(["--probe"]);
    const help = table();
    await buildProgram(["node", "drift-detector", "help", "sandbox"], help.commands);
    expect(help.loaded).toEqual(["sandbox"]);
  });

  it("every real command module registers on its command", async () => {
    for (const [name, entry] of Object.entries(COMMANDS)) {
      const program = await buildProgram(["node", "drift-detector", name], { [name]: entry });
      const cmd = program.commands.find((c) => c.name() === name)!;
      expect(cmd.options.length + cmd.commands.length, name).toBeGreaterThan(0);
    }
  }, 120_000); // the real modules: the Kubernetes client, the SDKs, the store
});

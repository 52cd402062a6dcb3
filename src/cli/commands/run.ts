// `drift-detector run`: the long-running service. Every setting is an environment variable and a flag
// (detector/settings.ts); a bad one stops the start with one line.
import type { Command } from "commander";
import { startService } from "../../service/service.js";
import { loadRunSettings, RUN_SETTINGS } from "../../service/settings.js";
import { CliError } from "../errors.js";

export function register(cmd: Command): void {
  for (const spec of Object.values(RUN_SETTINGS)) {
    const repeatable = spec.flag === "cluster";
    const help = `${spec.description} [env ${spec.env}${spec.default !== undefined ? `, default ${spec.default}` : ""}]`;
    if (repeatable) {
      cmd.option(`--${spec.flag} <context=source>`, `${help} (repeatable)`, (v: string, prev: string[] = []) => [
        ...prev,
        v,
      ]);
    } else {
      cmd.option(`--${spec.flag} <value>`, help);
    }
  }
  cmd.action(async (flags: Record<string, unknown>) => {
    const settings = loadRunSettings({ env: process.env, flags });
    try {
      const service = await startService({ settings });
      service.shutdown.listen();
      // Runs until a signal: the shutdown handler exits the process.
      await new Promise<never>(() => {});
    } catch (err) {
      if ((err as { code?: string }).code === "EADDRINUSE") {
        throw new CliError((err as Error).message.split("\n")[0] ?? String(err));
      }
      throw err;
    }
  });
}

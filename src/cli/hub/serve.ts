import type { Command } from "commander";
import { startHubServer } from "../../hub/http/serve.js";
import { ExpectedError } from "../../lib/errors.js";
import { openStore } from "../../store/open.js";
import { CliError } from "../errors.js";

export function registerServe(hub: Command): void {
  hub
    .command("serve")
    .description("serve the embedded hub's HTTP API (ConfigHub-compatible subset) under /api")
    .option("--listen <host:port>", "listen address (default 127.0.0.1:7070 without HUB_TOKEN, else 0.0.0.0:7070)")
    .option("--data <dir>", "embedded store directory (default: DRIFT_DATA_DIR, then ./data); DATABASE_URL wins")
    .action(async (opts: { listen?: string; data?: string }) => {
      const db = await openStore({ dataDir: opts.data });
      let running: Awaited<ReturnType<typeof startHubServer>>;
      try {
        running = await startHubServer({ db, listen: opts.listen, token: process.env.HUB_TOKEN || undefined });
      } catch (err) {
        await db.close();
        if (err instanceof ExpectedError) throw err;
        throw new CliError(`cannot serve the hub: ${(err as Error).message}`);
      }
      const where = db.kind === "postgres" ? "PostgreSQL (DATABASE_URL)" : "the embedded store";
      process.stdout.write(`hub serving ${running.url}/api from ${where}\n`);
      // Printed only when we made it up: an operator-provided HUB_TOKEN is never echoed.
      if (running.generatedToken) process.stdout.write(`token (HUB_TOKEN not set; loopback only): ${running.token}\n`);
      await new Promise<void>((resolve) => {
        const stop = async () => {
          process.off("SIGINT", stop);
          process.off("SIGTERM", stop);
          await running.close().catch(() => {});
          await db.close().catch(() => {});
          resolve();
        };
        process.on("SIGINT", stop);
        process.on("SIGTERM", stop);
      });
    });
}

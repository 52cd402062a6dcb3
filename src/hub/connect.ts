import { resolve } from "node:path";
import type { Database } from "../store/database.js";
import { openStore } from "../store/open.js";
import { EmbeddedHubApi, type HubApi } from "./api.js";
import { ConfigHubClient } from "./confighub/client.js";
import { resolveCredentials } from "./confighub/credentials.js";
import { Hub } from "./hub.js";

// Which hub, decided here and nowhere else (the `hub` CLI, the `hub:`/`confighub:` sources, `accept`):
// - ConfigHub: the server and token as cub finds them (confighub/credentials.ts);
// - our hub over HTTP when HUB_URL is set (token HUB_TOKEN: a running `hub serve`);
// - otherwise the embedded hub in this process, over the store (PostgreSQL at DATABASE_URL, else PGlite).

export interface OpenHubOptions {
  env?: NodeJS.ProcessEnv;
  /** The embedded store's directory (else DRIFT_DATA_DIR, else ./data). */
  dataDir?: string;
  /** An open store to serve the embedded hub from (the service's own); the caller closes it. */
  db?: Database;
  /** Where to say, once, which ConfigHub release answers (default: stderr). */
  log?: (line: string) => void;
}

/** ConfigHub (or any server speaking its API), with cub's credentials. */
export function openConfigHub(opts: OpenHubOptions = {}): ConfigHubClient {
  const creds = resolveCredentials(opts.env ?? process.env);
  const log = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  return new ConfigHubClient({
    url: creds.server,
    token: creds.token,
    confighub: true,
    onServerVersion: (v) => log(`ConfigHub ${v} at ${creds.server} (token from ${creds.from})`),
  });
}

/** The hub `hub:SPACE` means: ours over HTTP when HUB_URL is set, otherwise the embedded one. */
export async function openOwnHub(opts: OpenHubOptions = {}): Promise<HubApi> {
  const env = opts.env ?? process.env;
  if (env.HUB_URL)
    return new ConfigHubClient({ url: env.HUB_URL, token: env.HUB_TOKEN ?? "", loginHint: "check HUB_TOKEN" });
  if (opts.db) return new EmbeddedHubApi(new Hub(opts.db, "drift-detector"), "embedded hub");
  return openEmbeddedHub({ env, dataDir: opts.dataDir });
}

/** The hub the `hub` commands talk to: ConfigHub when CUB_SERVER or CONFIGHUB_URL names it, else ours. */
export async function openCliHub(opts: OpenHubOptions = {}): Promise<HubApi> {
  const env = opts.env ?? process.env;
  if (env.CUB_SERVER || env.CONFIGHUB_URL) return openConfigHub(opts);
  return openOwnHub(opts);
}

/** The embedded hub in this process: PostgreSQL at DATABASE_URL, else PGlite under the data dir. */
export async function openEmbeddedHub(
  opts: { dataDir?: string; databaseUrl?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<HubApi> {
  const env = opts.env ?? process.env;
  const databaseUrl = opts.databaseUrl ?? (env.DATABASE_URL || "");
  const dataDir = resolve(opts.dataDir ?? (env.DRIFT_DATA_DIR || "./data"));
  const db = await openStore({ databaseUrl, dataDir });
  const where = db.kind === "postgres" ? "PostgreSQL (DATABASE_URL)" : dataDir;
  return new EmbeddedHubApi(new Hub(db, env.USER || "local"), `embedded hub (${where})`, () => db.close());
}

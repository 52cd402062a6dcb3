import { resolve } from "node:path";
import { ConfigHubClient } from "../desired/confighub-client.js";
import { resolveConfigHubToken } from "../desired/confighub-token.js";
import { openStore } from "../store/open.js";
import { EmbeddedHubApi, type HubApi } from "./api.js";
import { Hub } from "./hub.js";

export const DEFAULT_CONFIGHUB_URL = "https://hub.confighub.com";

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

/** ConfigHub (or any hub speaking its API) at `url`, token from CUB_TOKEN / CONFIGHUB_TOKEN / `cub auth get-token`. */
export async function openConfigHub(env: NodeJS.ProcessEnv = process.env, url?: string): Promise<ConfigHubClient> {
  return new ConfigHubClient({
    url: url ?? (env.CONFIGHUB_URL || DEFAULT_CONFIGHUB_URL),
    token: await resolveConfigHubToken(env),
  });
}

/**
 * The hub that `hub:SPACE` means: our hub over HTTP when HUB_URL is set (token HUB_TOKEN: a running `hub serve`
 * holds the embedded store), otherwise the embedded store itself.
 */
export async function openOwnHub(opts: { env?: NodeJS.ProcessEnv; dataDir?: string } = {}): Promise<HubApi> {
  const env = opts.env ?? process.env;
  if (env.HUB_URL) return new ConfigHubClient({ url: env.HUB_URL, token: env.HUB_TOKEN ?? "" });
  return openEmbeddedHub({ env, dataDir: opts.dataDir });
}

import { ConfigHubClient, ConfigHubError, ConfigHubUnavailableError } from "../../desired/confighub-client.js";
import { TokenUnavailableError } from "../../desired/confighub-token.js";
import type { HubApi } from "../../hub/api.js";
import { openConfigHub, openEmbeddedHub } from "../../hub/connect.js";
import { HubError } from "../../hub/errors.js";
import { StoreUnavailableError } from "../../store/database.js";
import { CliError } from "../errors.js";

export interface HubCliOptions {
  data?: string;
  json?: boolean;
}

/**
 * The hub the `hub` commands talk to: ConfigHub when CONFIGHUB_URL is set, our hub over HTTP when HUB_URL is set
 * (HUB_TOKEN), else the embedded hub (DATABASE_URL, or the data dir: --data, DRIFT_DATA_DIR, ./data).
 */
export async function connectHub(opts: HubCliOptions, env: NodeJS.ProcessEnv = process.env): Promise<HubApi> {
  return expected(async () => {
    if (env.CONFIGHUB_URL) return openConfigHub(env);
    if (env.HUB_URL) return new ConfigHubClient({ url: env.HUB_URL, token: env.HUB_TOKEN ?? "" });
    return openEmbeddedHub({ dataDir: opts.data, env });
  });
}

/** Runs `fn` with a hub and closes it; expected failures become one-line CLI errors. */
export async function withHub<T>(opts: HubCliOptions, fn: (hub: HubApi) => Promise<T>): Promise<T> {
  const hub = await connectHub(opts);
  try {
    return await expected(() => fn(hub));
  } finally {
    await hub.close();
  }
}

export async function expected<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (
      err instanceof HubError ||
      err instanceof ConfigHubError ||
      err instanceof ConfigHubUnavailableError ||
      err instanceof TokenUnavailableError ||
      err instanceof StoreUnavailableError ||
      err instanceof CliError
    ) {
      throw err instanceof CliError ? err : new CliError(err.message);
    }
    throw err;
  }
}

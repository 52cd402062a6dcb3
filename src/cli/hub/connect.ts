import { ConfigHubClient } from "../../desired/confighub-client.js";
import type { HubApi } from "../../hub/api.js";
import { openConfigHub, openEmbeddedHub } from "../../hub/connect.js";

export interface HubCliOptions {
  data?: string;
  json?: boolean;
}

/**
 * The hub the `hub` commands talk to: ConfigHub when CONFIGHUB_URL is set, our hub over HTTP when HUB_URL is set
 * (HUB_TOKEN), else the embedded hub (DATABASE_URL, or the data dir: --data, DRIFT_DATA_DIR, ./data).
 */
export async function connectHub(opts: HubCliOptions, env: NodeJS.ProcessEnv = process.env): Promise<HubApi> {
  if (env.CONFIGHUB_URL) return openConfigHub(env);
  if (env.HUB_URL) return new ConfigHubClient({ url: env.HUB_URL, token: env.HUB_TOKEN ?? "" });
  return openEmbeddedHub({ dataDir: opts.data, env });
}

/** Runs `fn` with a hub and closes it. */
export async function withHub<T>(opts: HubCliOptions, fn: (hub: HubApi) => Promise<T>): Promise<T> {
  const hub = await connectHub(opts);
  try {
    return await fn(hub);
  } finally {
    await hub.close();
  }
}

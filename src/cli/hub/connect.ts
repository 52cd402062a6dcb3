import type { HubApi } from "../../hub/api.js";
import { openCliHub } from "../../hub/connect.js";

export interface HubCliOptions {
  data?: string;
  json?: boolean;
}

/** Runs `fn` with the hub the `hub` commands talk to (src/hub/connect.ts decides which) and closes it. */
export async function withHub<T>(opts: HubCliOptions, fn: (hub: HubApi) => Promise<T>): Promise<T> {
  const hub = await openCliHub({ dataDir: opts.data });
  try {
    return await fn(hub);
  } finally {
    await hub.close();
  }
}

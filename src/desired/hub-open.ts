import type { HubApi } from "../hub/api.js";
import { openConfigHub, openOwnHub } from "../hub/connect.js";
import type { Database } from "../store/database.js";
import { HubSource, type RevisionChoice } from "./hub.js";
import type { DesiredSource } from "./source.js";
import { SourceUnavailableError } from "./source.js";

export interface HubSourceOptions {
  env?: NodeJS.ProcessEnv;
  /** `applied` (default): the revision last applied, else released, else head; `head`: the newest. DRIFT_REVISION. */
  revision?: RevisionChoice;
  /** Where to say, once, which ConfigHub release answers (default: stderr). */
  log?: (line: string) => void;
  /** `hub:` without HUB_URL: the embedded hub over this open store (the caller closes it). */
  db?: Database;
}

function revisionOf(opts: HubSourceOptions): RevisionChoice {
  const r = opts.revision ?? opts.env?.DRIFT_REVISION ?? "applied";
  if (r !== "applied" && r !== "head") throw new SourceUnavailableError(`revision "${r}" is not applied or head`);
  return r;
}

/** `hub:SPACE`: the embedded hub (the given store, else data dir / DATABASE_URL), or ours over HTTP with HUB_URL. */
export async function openHubSource(spec: string, opts: HubSourceOptions = {}): Promise<DesiredSource> {
  const revision = revisionOf(opts); // before anything is opened
  const api = await openOwnHub({ env: opts.env ?? process.env, db: opts.db }).catch((err: Error) => {
    throw new SourceUnavailableError(`hub:${spec}: ${err.message}`);
  });
  return new HubSource(api, "hub", spec, revision);
}

/**
 * `confighub:SPACE`: ConfigHub, server and token as cub finds them (CUB_SERVER + CUB_TOKEN, else cub's context).
 * The desired revision of each unit is its last released one (ConfigHub records no applied one), or head.
 */
export async function openConfigHubSource(spec: string, opts: HubSourceOptions = {}): Promise<DesiredSource> {
  const revision = revisionOf(opts);
  let api: HubApi;
  try {
    api = openConfigHub({ env: opts.env ?? process.env, log: opts.log });
  } catch (err) {
    throw new SourceUnavailableError(`confighub:${spec}: ${(err as Error).message}`);
  }
  return new HubSource(api, "confighub", spec, revision);
}

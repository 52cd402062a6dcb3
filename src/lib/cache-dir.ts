// The user's cache directory for drift-detector (DRIFT_DETECTOR_CACHE, else $XDG_CACHE_HOME or ~/.cache): everything
// kept there is derived and safe to delete.
import { homedir } from "node:os";
import { join } from "node:path";

export function userCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.DRIFT_DETECTOR_CACHE || join(env.XDG_CACHE_HOME || join(homedir(), ".cache"), "drift-detector");
}

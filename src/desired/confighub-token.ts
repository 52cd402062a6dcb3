import { execFile } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";
import { ExpectedError } from "../lib/errors.js";

/** No usable ConfigHub token: none in the environment and no logged-in `cub`. */
export class TokenUnavailableError extends ExpectedError {
  override readonly name = "TokenUnavailableError";
}

function onPath(bin: string, env: NodeJS.ProcessEnv): string | undefined {
  for (const dir of (env.PATH ?? "").split(delimiter)) {
    if (!dir) continue;
    const file = join(dir, bin);
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {}
  }
  return undefined;
}

/**
 * The ConfigHub bearer token: `CUB_TOKEN`, then `CONFIGHUB_TOKEN`, then what `cub auth get-token` prints when a
 * `cub` CLI is on the PATH. The token is never logged nor put into messages.
 */
export async function resolveConfigHubToken(env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const fromEnv = env.CUB_TOKEN?.trim() || env.CONFIGHUB_TOKEN?.trim();
  if (fromEnv) return fromEnv;
  const cub = onPath("cub", env);
  if (!cub)
    throw new TokenUnavailableError(
      "no ConfigHub token: set CUB_TOKEN (or CONFIGHUB_TOKEN), or log in with `cub auth login`",
    );
  const token = await new Promise<string>((resolve, reject) => {
    execFile(cub, ["auth", "get-token"], { env, timeout: 30_000, maxBuffer: 64 * 1024 }, (err, stdout) => {
      // stderr may echo parts of the session: not repeated here.
      if (err) reject(new TokenUnavailableError("`cub auth get-token` failed: log in again with `cub auth login`"));
      else resolve(stdout.trim());
    });
  });
  if (!token) throw new TokenUnavailableError("`cub auth get-token` printed no token: log in with `cub auth login`");
  return token;
}

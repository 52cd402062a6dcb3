import { execFile } from "node:child_process";
import { accessSync, constants, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { delimiter, isAbsolute, join } from "node:path";
import { parse } from "yaml";
import { TokenUnavailableError } from "./errors.js";

// Which ConfigHub server and which token, as cub decides it (confighub/sdk core/cubapi/config.go):
// 1. CUB_SERVER + CUB_TOKEN (what cub hands its plugins), or CONFIGHUB_URL + CONFIGHUB_TOKEN (ConfigHub's standalone
//    programs): a token is only used together with the server named beside it, never sent to another server;
// 2. otherwise cub's context (CUB_CONTEXT, else `currentContext` of $CUB_CONFIG/config.yaml or
//    ~/.confighub/config.yaml) whose server is the one we call, and its token file;
// 3. then `cub auth get-token` (it prints the current context's token), when that context is for our server.
// Tokens never appear in messages.

export const DEFAULT_CONFIGHUB_URL = "https://hub.confighub.com";

export interface ConfigHubCredentials {
  /** Server URL without `/api`. */
  server: string;
  /** Reads the token (again: after a 401 the token file may have been renewed by `cub auth login`). */
  token: () => Promise<string>;
  /** For messages: where the token comes from (never the token). */
  from: string;
}

interface CubContext {
  name?: string;
  coordinate?: { serverURL?: string; organizationID?: string };
  metadata?: { tokenFile?: string };
}

interface CubConfig {
  dir: string;
  current?: CubContext;
  contexts: CubContext[];
}

export function resolveCredentials(env: NodeJS.ProcessEnv = process.env): ConfigHubCredentials {
  const pairs: Array<[string, string]> = [
    ["CUB_SERVER", "CUB_TOKEN"],
    ["CONFIGHUB_URL", "CONFIGHUB_TOKEN"],
  ];
  for (const [serverVar, tokenVar] of pairs) {
    const server = env[serverVar]?.trim();
    const token = env[tokenVar]?.trim();
    if (server && token) return { server: trimServer(server), token: async () => token, from: `${tokenVar}` };
  }
  const cub = readCubConfig(env);
  const explicit = env.CUB_SERVER?.trim() || env.CONFIGHUB_URL?.trim();
  const server = trimServer(explicit || cub?.current?.coordinate?.serverURL || DEFAULT_CONFIGHUB_URL);
  const context =
    cub &&
    [cub.current, ...cub.contexts].find((c) => c?.coordinate?.serverURL && sameServer(c.coordinate.serverURL, server));
  if (cub && context?.metadata?.tokenFile) {
    const file = tokenPath(cub.dir, context.metadata.tokenFile);
    return { server, token: async () => readTokenFile(file), from: `cub context ${context.name ?? "(unnamed)"}` };
  }
  const currentServer = cub?.current?.coordinate?.serverURL;
  if (currentServer ? sameServer(currentServer, server) : !explicit || sameServer(server, DEFAULT_CONFIGHUB_URL)) {
    return { server, token: () => cubGetToken(env), from: "`cub auth get-token`" };
  }
  throw new TokenUnavailableError(
    `no ConfigHub token for ${server}: set CUB_TOKEN together with CUB_SERVER, or \`cub auth login --server ${server}\``,
  );
}

/** cub's config directory: $CUB_CONFIG (a directory), else ~/.confighub; undefined when it has no config.yaml. */
function readCubConfig(env: NodeJS.ProcessEnv): CubConfig | undefined {
  const dir = env.CUB_CONFIG?.trim() || join(env.HOME || homedir(), ".confighub");
  let text: string;
  try {
    text = readFileSync(join(dir, "config.yaml"), "utf8");
  } catch {
    return undefined;
  }
  let doc: { currentContext?: string; contexts?: CubContext[] } | null;
  try {
    doc = parse(text);
  } catch (err) {
    throw new TokenUnavailableError(`cub's ${join(dir, "config.yaml")} is not YAML: ${(err as Error).message}`);
  }
  const contexts = Array.isArray(doc?.contexts) ? doc.contexts : [];
  const wanted = env.CUB_CONTEXT?.trim() || doc?.currentContext;
  return { dir, contexts, current: contexts.find((c) => c?.name === wanted) };
}

function tokenPath(dir: string, file: string): string {
  if (isAbsolute(file)) return file;
  if (file.includes("/")) return join(dir, file);
  return join(dir, "tokens", file.endsWith(".json") ? file : `${file}.json`);
}

function readTokenFile(file: string): string {
  let token: unknown;
  try {
    token = (JSON.parse(readFileSync(file, "utf8")) as { accessToken?: unknown }).accessToken;
  } catch {
    throw new TokenUnavailableError(`cannot read cub's token file ${file}: log in with \`cub auth login\``);
  }
  if (typeof token !== "string" || !token)
    throw new TokenUnavailableError(`cub's token file ${file} holds no accessToken: log in with \`cub auth login\``);
  return token;
}

async function cubGetToken(env: NodeJS.ProcessEnv): Promise<string> {
  const cub = onPath("cub", env);
  if (!cub)
    throw new TokenUnavailableError(
      "no ConfigHub token: set CUB_SERVER and CUB_TOKEN, or install cub and log in with `cub auth login`",
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

/** The server URL as we keep it: no trailing slash, no `/api` (the client adds it). */
export function trimServer(url: string): string {
  return url.replace(/\/+$/, "").replace(/\/api$/, "");
}

function sameServer(a: string, b: string): boolean {
  try {
    return new URL(trimServer(a)).href === new URL(trimServer(b)).href;
  } catch {
    return false;
  }
}

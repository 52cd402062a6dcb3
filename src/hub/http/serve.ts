import type { FastifyInstance } from "fastify";
import type { Database } from "../../store/database.js";
import { badRequest } from "../errors.js";
import { Hub } from "../hub.js";
import { generateToken } from "./auth.js";
import { buildHubServer } from "./server.js";

export interface RunningHub {
  /** Base URL without `/api`, e.g. http://127.0.0.1:7070. */
  url: string;
  token: string;
  /** Whether the token was generated (HUB_TOKEN unset): the caller prints it. */
  generatedToken: boolean;
  app: FastifyInstance;
  close(): Promise<void>;
}

export function parseListen(listen: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(listen.trim());
  const port = m ? Number(m[3]) : Number.NaN;
  if (!m || port > 65535) throw badRequest(`--listen "${listen}" is not HOST:PORT (e.g. 127.0.0.1:7070)`);
  return { host: m[1] ?? (m[2] || "0.0.0.0"), port };
}

const LOOPBACK = new Set(["127.0.0.1", "localhost", "::1"]);

/**
 * Serves the hub over `db` (which the caller owns). Without a token it generates one and refuses to listen
 * anywhere but loopback: an unset HUB_TOKEN must never expose the hub to the network.
 */
export async function startHubServer(opts: {
  db: Database;
  listen?: string;
  token?: string;
  logger?: boolean;
}): Promise<RunningHub> {
  const token = opts.token || generateToken();
  const generatedToken = !opts.token;
  const { host, port } = parseListen(opts.listen ?? (generatedToken ? "127.0.0.1:7070" : "0.0.0.0:7070"));
  if (generatedToken && !LOOPBACK.has(host)) {
    throw badRequest(
      `HUB_TOKEN is not set: the hub listens on loopback only (not ${host}); set HUB_TOKEN to serve ${host}`,
    );
  }
  const app = buildHubServer({ hub: new Hub(opts.db), token, logger: opts.logger });
  await app.listen({ host, port });
  const addr = app.server.address();
  const actualPort = typeof addr === "object" && addr ? addr.port : port;
  const shownHost = host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host.includes(":") ? `[${host}]` : host;
  return { url: `http://${shownHost}:${actualPort}`, token, generatedToken, app, close: () => app.close() };
}

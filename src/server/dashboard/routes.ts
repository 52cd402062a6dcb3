// The web dashboard at `/`: plain HTML, CSS and ES modules from ./static (no build step); the data it shows comes
// from the API (../routes/).
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join, normalize } from "node:path";
import type { FastifyInstance } from "fastify";
import { PACKAGE_ROOT, shippedPath } from "../../lib/package-root.js";
import { registerChartLibrary } from "./chart-library.js";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".svg": "image/svg+xml",
};

// Live values are untrusted: the pages escape everything, and the policy forbids inline script and foreign origins.
const SECURITY_HEADERS = {
  "content-security-policy":
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
};

/** ./static beside this module's source; the build copies it into dist/ (scripts/build.ts), else the sources are used. */
export function staticDir(): string {
  const candidates = [shippedPath("server/dashboard/static"), join(PACKAGE_ROOT, "src/server/dashboard/static")];
  return candidates.find((d) => existsSync(join(d, "index.html"))) ?? candidates[0]!;
}

export function registerDashboard(app: FastifyInstance): void {
  registerChartLibrary(app);
  const root = staticDir();
  const cache = new Map<string, Buffer>();
  const serve = async (file: string) => {
    let body = cache.get(file);
    if (!body) {
      body = await readFile(join(root, file));
      if (process.env.NODE_ENV === "production") cache.set(file, body);
    }
    return body;
  };

  app.get("/", async (_req, reply) => {
    reply.headers({ ...SECURITY_HEADERS, "content-type": TYPES[".html"], "cache-control": "no-cache" });
    return serve("index.html");
  });

  app.get<{ Params: { "*": string } }>("/assets/*", async (req, reply) => {
    const rel = normalize(req.params["*"]).replace(/^(\.\.(\/|\\|$))+/, "");
    const ext = rel.slice(rel.lastIndexOf("."));
    if (!TYPES[ext] || rel.includes("..") || rel.startsWith("/")) return reply.code(404).send({ error: "not found" });
    try {
      const body = await serve(rel);
      reply.headers({ ...SECURITY_HEADERS, "content-type": TYPES[ext], "cache-control": "no-cache" });
      return body;
    } catch {
      return reply.code(404).send({ error: "not found" });
    }
  });
}

// DNS rebinding: a web page whose name the attacker points at our address reaches us with its own name in Host.
// Requests are served when Host is an IP literal (probes, Prometheus and port-forwards use those), localhost, or a
// configured name (DRIFT_ALLOWED_HOSTS: exact names, or `.suffix` for every name under it); others get 421.
import { isIP } from "node:net";
import type { FastifyInstance } from "fastify";

/** The host part of a Host header, lower-cased, without port or IPv6 brackets. */
export function hostName(header: string): string {
  const h = header.trim().toLowerCase();
  if (h.startsWith("[")) return h.slice(1, h.indexOf("]"));
  const colon = h.lastIndexOf(":");
  return colon >= 0 && h.indexOf(":") === colon ? h.slice(0, colon) : h;
}

export function hostAllowed(header: string | undefined, allowed: readonly string[]): boolean {
  if (!header) return false;
  const name = hostName(header).replace(/\.$/, "");
  if (isIP(name) || name === "localhost") return true;
  return allowed.some((a) => {
    const entry = a.toLowerCase();
    return entry.startsWith(".") ? name.endsWith(entry) : name === entry;
  });
}

export function registerHostCheck(app: FastifyInstance, allowed: readonly string[]): void {
  app.addHook("onRequest", async (req, reply) => {
    if (hostAllowed(req.headers.host, allowed)) return;
    return reply.code(421).send({
      error: `host ${JSON.stringify(req.headers.host ?? "")} is not served here: add it to DRIFT_ALLOWED_HOSTS`,
    });
  });
}

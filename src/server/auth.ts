// Bearer-token check for endpoints that change something: no token configured → 403 (they are off),
// wrong or missing token → 401. Constant-time comparison.
import { createHash, timingSafeEqual } from "node:crypto";
import type { FastifyReply, FastifyRequest } from "fastify";

/** Whether the request carries DRIFT_API_TOKEN (an authenticated reader: personal data such as changedBy). */
export function hasToken(token: string | undefined): (req: FastifyRequest) => boolean {
  const expected = token ? createHash("sha256").update(token).digest() : undefined;
  return (req) => {
    const m = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? "");
    const given = m ? createHash("sha256").update(m[1].trim()).digest() : undefined;
    return expected !== undefined && given !== undefined && timingSafeEqual(given, expected);
  };
}

export function requireToken(token: string | undefined) {
  const expected = token ? createHash("sha256").update(token).digest() : undefined;
  const authenticated = hasToken(token);
  return async (req: FastifyRequest, reply: FastifyReply): Promise<void> => {
    if (!expected) {
      reply
        .code(403)
        .send({ error: "this endpoint is disabled: set DRIFT_API_TOKEN to enable changes through the API" });
      return reply;
    }
    if (!authenticated(req)) {
      reply
        .code(401)
        .header("www-authenticate", 'Bearer realm="drift-detector"')
        .send({ error: "a valid bearer token is required" });
      return reply;
    }
  };
}

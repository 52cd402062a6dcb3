import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { FastifyReply, FastifyRequest } from "fastify";

/** A fresh token for `hub serve` without HUB_TOKEN. */
export function generateToken(): string {
  return randomBytes(24).toString("base64url");
}

/** Checks `Authorization: Bearer …` in constant time; every request needs it. */
export function bearerAuth(token: string) {
  const expected = createHash("sha256").update(token).digest();
  return async (req: FastifyRequest, reply: FastifyReply) => {
    const m = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? "");
    const given = m ? createHash("sha256").update(m[1].trim()).digest() : undefined;
    if (!given || !timingSafeEqual(given, expected)) {
      await reply
        .code(401)
        .header("www-authenticate", 'Bearer realm="hub"')
        .send({ Code: "401", Message: "missing or invalid bearer token" });
    }
  };
}

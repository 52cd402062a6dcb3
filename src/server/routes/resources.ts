// /api/resources: the latest verdict of every watched resource, filtered by cluster, namespace and status; with
// sharding, of every replica's shards.
import type { FastifyInstance } from "fastify";
import type { ApiDeps } from "../deps.js";
import { FORWARDED_HEADER } from "./drifts.js";

export function registerResourceRoutes(app: FastifyInstance, deps: ApiDeps): void {
  app.get("/api/resources", async (req, reply) => {
    const q = req.query as { namespace?: string; status?: string; cluster?: string };
    const all = deps.resources();
    // Sharding: the other replicas' shards too, unless another replica is asking for this one's.
    if (deps.peerResources && req.headers[FORWARDED_HEADER] === undefined) {
      const peers = await deps.peerResources();
      all.push(...peers.items);
      if (peers.unreachable.length) {
        reply.header("warning", `199 drift-detector "replicas not answering: ${peers.unreachable.join(", ")}"`);
      }
    }
    const items = all
      .filter(({ cluster, result }) => {
        if (q.cluster && cluster !== q.cluster) return false;
        if (q.namespace !== undefined && (result.ref.namespace ?? "") !== q.namespace) return false;
        if (q.status && result.status !== q.status) return false;
        return true;
      })
      .map(({ cluster, result }) => ({ cluster, ...result }));
    return { items };
  });
}

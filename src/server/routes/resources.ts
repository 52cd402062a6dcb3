// /api/resources: the latest verdict of every watched resource, filtered by cluster, namespace and status.
import type { FastifyInstance } from "fastify";
import type { ApiDeps } from "../deps.js";

export function registerResourceRoutes(app: FastifyInstance, deps: ApiDeps): void {
  app.get("/api/resources", async (req) => {
    const q = req.query as { namespace?: string; status?: string; cluster?: string };
    const items = deps
      .resources()
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

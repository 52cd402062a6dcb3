// The dashboard's charting library, uPlot, served as it ships in its npm package (an ES module and its stylesheet),
// so that the dashboard stays without a build step.
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import type { FastifyInstance } from "fastify";

const FILES: Record<string, { path: string; type: string }> = {
  "uPlot.esm.js": { path: "uplot/dist/uPlot.esm.js", type: "text/javascript; charset=utf-8" },
  "uPlot.min.css": { path: "uplot/dist/uPlot.min.css", type: "text/css; charset=utf-8" },
};

export function registerChartLibrary(app: FastifyInstance): void {
  const require = createRequire(import.meta.url);
  const cache = new Map<string, Buffer>();
  app.get<{ Params: { file: string } }>("/vendor/uplot/:file", async (req, reply) => {
    const file = FILES[req.params.file];
    if (!file) return reply.code(404).send({ error: "not found" });
    let body = cache.get(file.path);
    if (!body) {
      body = await readFile(require.resolve(file.path));
      cache.set(file.path, body);
    }
    reply.headers({ "content-type": file.type, "x-content-type-options": "nosniff", "cache-control": "max-age=3600" });
    return body;
  });
}

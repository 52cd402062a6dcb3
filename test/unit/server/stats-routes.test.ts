import Fastify from "fastify";
import { describe, expect, it } from "vitest";
import { registerStatsRoutes } from "../../../src/server/routes/stats.js";

describe("/api/stats routes", () => {
  it("answers whole buckets up to now, refuses a bad query in one line, and says when there is no history", async () => {
    const calls: Array<{ seconds: number; since: string }> = [];
    const app = Fastify();
    registerStatsRoutes(app, {
      history: {
        timeline: async (seconds, since) => {
          calls.push({ seconds, since: since.toISOString() });
          return [];
        },
        resolution: async () => [],
      },
      units: () => [],
      results: () => [],
      now: () => new Date("2026-12-03T08:30:00Z"),
    });
    const hour = await app.inject("/api/stats/timeline");
    expect(hour.json()).toMatchObject({ bucket: "hour", bucketSeconds: 3600, items: [] });
    expect(calls[0]).toEqual({ seconds: 3600, since: "2026-12-01T09:00:00.000Z" }); // 48 buckets, the last holds now
    await app.inject("/api/stats/timeline?bucket=day&buckets=7");
    expect(calls[1]).toEqual({ seconds: 86400, since: "2026-11-27T00:00:00.000Z" });
    const bad = await app.inject("/api/stats/timeline?bucket=week");
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error).toMatch(/^bad query: /);

    const bare = Fastify();
    registerStatsRoutes(bare, { units: () => [], results: () => [] });
    const none = await bare.inject("/api/stats/resolution");
    expect(none.statusCode).toBe(503);
    expect(none.json().error).toContain("without a store");
    expect((await bare.inject("/api/stats/environments")).json()).toEqual({ chains: [] });
  });
});

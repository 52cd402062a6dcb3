// /api/events over a real socket: a client that stops reading is dropped once its send buffer passes the bound,
// and its slot is freed; the Host check's parsing.
import { connect } from "node:net";
import Fastify from "fastify";
import { describe, expect, it } from "vitest";
import { DriftEventBus } from "../../../src/detector/event-bus.js";
import type { DriftRecord } from "../../../src/detector/records.js";
import type { ApiDeps } from "../../../src/server/deps.js";
import { hostAllowed, hostName } from "../../../src/server/host-check.js";
import { registerEventRoutes } from "../../../src/server/routes/events.js";

describe("/api/events", () => {
  it("drops a client that does not read instead of buffering for it", async () => {
    const bus = new DriftEventBus();
    const app = Fastify();
    const sse = { maxConnections: 5, maxPerClient: 5, maxAgeMs: 60_000, maxBufferBytes: 64 * 1024 };
    registerEventRoutes(app, { bus, sse } as unknown as ApiDeps);
    await app.listen({ host: "127.0.0.1", port: 0 });
    const { port } = app.server.address() as { port: number };
    const socket = connect(port, "127.0.0.1");
    await new Promise((r) => socket.once("connect", r));
    socket.write(`GET /api/events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
    await new Promise((r) => socket.once("data", r));
    socket.pause(); // reads nothing more: the kernel buffers fill, then our queue grows
    const closed = new Promise((r) => socket.once("close", r));
    const record = { id: "r", history: [], note: "x".repeat(16 * 1024) } as unknown as DriftRecord;
    let sent = 0;
    while (bus.size > 0 && sent < 100_000) {
      bus.publish({ event: "updated", record });
      sent++;
      if (sent % 50 === 0) await new Promise((r) => setImmediate(r));
    }
    expect(bus.size).toBe(0); // unsubscribed: the connection was destroyed
    socket.resume();
    await closed;
    await app.close();
  });

  it("parses Host headers and allows IP literals, localhost and configured names only", () => {
    expect(["a.b:80", "[::1]:8080", "10.0.0.1:1", "LOCALHOST"].map(hostName)).toEqual([
      "a.b",
      "::1",
      "10.0.0.1",
      "localhost",
    ]);
    expect(hostAllowed("10.1.2.3:8080", [])).toBe(true);
    expect(hostAllowed("evil.example:8080", [])).toBe(false);
    expect(hostAllowed(undefined, [])).toBe(false);
    expect(hostAllowed("x.corp.example", [".corp.example"])).toBe(true);
    expect(hostAllowed("corp.example.evil", [".corp.example"])).toBe(false);
    expect(hostAllowed("drift-detector.devops-apps.svc.", ["drift-detector.devops-apps.svc"])).toBe(true);
  });
});

import pino from "pino";
import { describe, expect, it } from "vitest";
import { Shutdown } from "../../../src/app/shutdown.js";

function capture() {
  const lines: Array<Record<string, unknown>> = [];
  const logger = pino({ level: "debug" }, { write: (l: string) => lines.push(JSON.parse(l)) });
  return { logger, lines };
}

describe("Shutdown", () => {
  it("runs steps once, last registered first, and aborts its signal at the start", async () => {
    const { logger } = capture();
    const shutdown = new Shutdown(logger);
    const order: string[] = [];
    shutdown.add("store", () => {
      order.push("store");
    });
    shutdown.add("detection", () => {
      order.push(`detection aborted=${shutdown.signal.aborted}`);
    });
    expect(await Promise.all([shutdown.run(), shutdown.run()])).toEqual([true, true]);
    expect(order).toEqual(["detection aborted=true", "store"]);
  });

  it("goes on after a failing step and reports it", async () => {
    const { logger, lines } = capture();
    const shutdown = new Shutdown(logger);
    let closed = false;
    shutdown.add("store", () => {
      closed = true;
    });
    shutdown.add("watches", () => Promise.reject(new Error("socket gone")));
    expect(await shutdown.run()).toBe(true);
    expect(closed).toBe(true);
    expect(lines.find((l) => l.msg === "shutdown step failed")).toMatchObject({ step: "watches" });
  });

  it("gives up at the deadline and names the step that hung", async () => {
    const { logger, lines } = capture();
    const shutdown = new Shutdown(logger, 50);
    shutdown.add("store", () => undefined);
    shutdown.add("hanging detection", () => new Promise<void>(() => undefined));
    expect(await shutdown.run()).toBe(false);
    expect(lines.find((l) => l.msg === "shutdown deadline passed; exiting anyway")).toMatchObject({
      step: "hanging detection",
      deadlineMs: 50,
    });
  });
});

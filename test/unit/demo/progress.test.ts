import { describe, expect, it } from "vitest";
import { Progress } from "../../../src/demo/progress.js";

function sink(isTTY: boolean) {
  const chunks: string[] = [];
  return { out: { isTTY, write: (s: string) => chunks.push(s) > 0 }, text: () => chunks.join("") };
}

describe("demo progress", () => {
  it("prints one numbered line per step and its outcome when not on a terminal", async () => {
    const s = sink(false);
    const progress = new Progress({ out: s.out, total: 12 });
    expect(await progress.step("Loading global-app", async () => 42)).toBe(42);
    await expect(
      progress.step("Starting the detector", async () => {
        throw new Error("it exited");
      }),
    ).rejects.toThrow("it exited");
    expect(s.text()).toMatch(/^\[ 1\/12\] Loading global-app …\n✔ \[ 1\/12\] Loading global-app \(0s\)\n/);
    expect(s.text()).toMatch(
      /\[ 2\/12\] Starting the detector …\n✘ \[ 2\/12\] Starting the detector failed after 0s\n$/,
    );
  });

  it("on a terminal, turns a spinner with the latest detail and ends with the step's line", async () => {
    const s = sink(true);
    const progress = new Progress({ out: s.out, total: 3 });
    await progress.step("Building", async (detail) => {
      detail("… go build: 120 lines of output");
      await new Promise((r) => setTimeout(r, 250));
    });
    expect(s.text()).toContain("[1/3] Building 0s · go build: 120 lines of output");
    expect(s.text().endsWith("\r\u001b[2K✔ [1/3] Building (0s)\n")).toBe(true);
  });

  it("prints a heartbeat with the latest detail on long steps when not on a terminal", async () => {
    const s = sink(false);
    const progress = new Progress({ out: s.out, total: 1, heartbeatMs: 1 });
    await progress.step("Building the control plane", async (detail) => {
      detail("120 packages");
      await new Promise((r) => setTimeout(r, 1_100));
    });
    expect(s.text()).toMatch(/ {8}… 1s: 120 packages\n/);
  });
});

// After a full detection the service hands its garbage back to the system: RSS falls, not only the heap's use.
import { execFile } from "node:child_process";
import { resolve } from "node:path";
import { promisify } from "node:util";
import { expect, it } from "vitest";

const run = promisify(execFile);
const MODULE = resolve(import.meta.dirname, "../../../src/service/release-memory.ts");

// A process with ~150 MB of dropped objects in its old generation, as a full detection leaves them.
const script = `
import { releaseMemory } from ${JSON.stringify(MODULE)};
let kept = [];
for (let round = 0; round < 4; round++) {
  kept = [];
  for (let i = 0; i < 150000; i++) kept.push({ text: "x".repeat(100) + i + round, list: [i, round] });
}
kept = undefined;
const mb = () => Math.round(process.memoryUsage().rss / 1048576);
const before = mb();
await releaseMemory();
await new Promise((r) => setTimeout(r, 200));
console.log(JSON.stringify({ before, after: mb() }));
`;

async function rss(flags: string[]): Promise<{ before: number; after: number }> {
  const args = [...flags, "--max-semi-space-size=2", "--import", "tsx", "--input-type=module", "-e", script];
  return JSON.parse((await run(process.execPath, args)).stdout) as { before: number; after: number };
}

it("returns a full detection's garbage to the system when the process has gc (the service's flags)", async () => {
  const { before, after } = await rss(["--expose-gc"]);
  expect(before - after).toBeGreaterThan(50);
});

it("does nothing, and does not fail, without --expose-gc", async () => {
  const { before, after } = await rss([]);
  expect(Math.abs(before - after)).toBeLessThan(20);
});

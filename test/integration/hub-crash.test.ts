import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Hub } from "../../src/hub/hub.js";
import { openStore } from "../../src/store/open.js";
import { createTestDatabase, STORE_KINDS } from "../helpers/stores.js";

/** Runs the writer until it acknowledged `acks` writes (plus whatever it manages meanwhile), then SIGKILLs it. */
function writeThenKill(location: string, acks: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", "test/helpers/hub-writer.ts", location], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let last = 0;
    let buf = "";
    let stderr = "";
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    child.stdout.on("data", (d) => {
      buf += d;
      for (const m of buf.matchAll(/ack (\d+)\n/g)) last = Math.max(last, Number(m[1]));
      buf = buf.slice(buf.lastIndexOf("\n") + 1);
      if (last >= acks) child.kill("SIGKILL");
    });
    child.on("exit", (code, signal) => {
      if (signal === "SIGKILL") resolve(last);
      else reject(new Error(`writer exited ${code}: ${stderr}`));
    });
  });
}

describe.each(STORE_KINDS)("crash safety on %s", (kind) => {
  // Two opens of the store (writer, then reader) and a child process: slow on a loaded machine.
  it("keeps every acknowledged write after the hub process is killed mid-writes", { timeout: 300_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), "drift-crash-"));
    const location = kind === "postgres" ? await createTestDatabase() : dir;
    try {
      const acked = await writeThenKill(location, 15);
      expect(acked).toBeGreaterThanOrEqual(15);
      const db = await openStore(
        kind === "postgres" ? { databaseUrl: location } : { dataDir: location, databaseUrl: "" },
      );
      try {
        const hub = new Hub(db);
        const unit = await hub.getUnit("crash", "cm");
        expect(unit.HeadRevisionNum).toBeGreaterThanOrEqual(acked + 1);
        const data = (await hub.getUnitData("crash", "cm")).data;
        expect(Number(/n: '(\d+)'/.exec(data)?.[1])).toBe(unit.HeadRevisionNum - 1); // head and its data agree
        const units = await hub.allUnits("crash");
        for (let n = 1; n <= acked; n++) expect(units.some((u) => u.Unit.Slug === `u${n}`)).toBe(true);
        // and the store still takes writes
        await hub.putUnitData("crash", "cm", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n");
      } finally {
        await db.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

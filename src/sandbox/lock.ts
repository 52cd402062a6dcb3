import { open, readFile, rm } from "node:fs/promises";
import { isAlive } from "./processes.js";

/**
 * Runs `fn` holding an exclusive lock file (it holds our pid). Another live holder is waited for, so two `sandbox
 * start`s on one folder (a shared checkout) never race each other; a holder that died leaves a stale lock we take over.
 */
export async function withLock<T>(file: string, onWait: (pid: number) => void, fn: () => Promise<T>): Promise<T> {
  let announced = false;
  for (;;) {
    try {
      const fh = await open(file, "wx");
      await fh.writeFile(`${process.pid}\n`);
      await fh.close();
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      const holder = Number.parseInt(await readFile(file, "utf8").catch(() => ""), 10);
      if (!Number.isInteger(holder) || holder === process.pid || !isAlive(holder)) {
        await rm(file, { force: true });
        continue;
      }
      if (!announced) onWait(holder);
      announced = true;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  try {
    return await fn();
  } finally {
    await rm(file, { force: true });
  }
}

import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { join } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { type Database, type Queryable, StoreUnavailableError } from "./database.js";

// PGlite is PostgreSQL compiled to WebAssembly, one connection, one process: a lock file keeps a second process
// (say `hub serve` and a `check --source hub:…` on the same dir) from opening the same files and corrupting them.
const LOCK_FILE = "drift-detector.lock";

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

function takeLock(dir: string): () => void {
  const path = join(dir, LOCK_FILE);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, "wx");
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(path, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      const holder = Number.parseInt(readFileSync(path, "utf8"), 10);
      if (Number.isFinite(holder) && isAlive(holder)) {
        throw new StoreUnavailableError(
          `data dir ${dir} is in use by process ${holder}; stop it, or reach that hub over HTTP, or use DATABASE_URL`,
        );
      }
      rmSync(path, { force: true }); // left behind by a process that died
    }
  }
  throw new StoreUnavailableError(`cannot lock data dir ${dir}`);
}

/** Opens (creating when needed) the embedded store under `dataDir`, or an in-memory one for `dataDir: null`. */
export async function openPglite(dataDir: string | null): Promise<Database> {
  let release = () => {};
  let db: PGlite;
  if (dataDir) {
    const pgdata = join(dataDir, "pgdata");
    mkdirSync(pgdata, { recursive: true });
    release = takeLock(dataDir);
    try {
      db = await PGlite.create({ dataDir: pgdata });
    } catch (err) {
      release();
      throw new StoreUnavailableError(`cannot open the embedded store in ${dataDir}: ${(err as Error).message}`);
    }
  } else {
    db = await PGlite.create();
  }
  return new PgliteDatabase(db, release);
}

class PgliteDatabase implements Database {
  readonly kind = "pglite" as const;
  private closed = false;

  constructor(
    private readonly db: PGlite,
    private readonly release: () => void,
  ) {}

  async query<Row>(sql: string, params: readonly unknown[] = []): Promise<Row[]> {
    return (await this.db.query<Row>(sql, params as unknown[])).rows;
  }

  async exec(sql: string): Promise<void> {
    await this.db.exec(sql);
  }

  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    return this.db.transaction((tx) =>
      fn({
        query: async <Row>(sql: string, params: readonly unknown[] = []) =>
          (await tx.query<Row>(sql, params as unknown[])).rows,
        exec: async (sql: string) => {
          await tx.exec(sql);
        },
      }),
    );
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.db.close();
    } finally {
      this.release();
    }
  }
}

import { execFile } from "node:child_process";
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
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

// PGlite's WebAssembly memory only ever grows: PostgreSQL's default 128 MB of shared buffers would stay resident for
// a store of a few megabytes, so the buffers are sized to the store (a few MB of records and hub revisions).
const START_PARAMS = [...PGlite.defaultStartParams, "-c", "shared_buffers=4MB", "-c", "work_mem=2MB"];

// Creating a data dir (initdb) peaks at several hundred MB of WebAssembly memory that would stay in the process for
// good (it never shrinks); done by a short-lived child process, all of it goes back to the system.
const INIT_SCRIPT = `
const [moduleUrl, dataDir] = process.argv.slice(1);
const { PGlite } = await import(moduleUrl);
const db = await PGlite.create({ dataDir });
await db.close();
`;

async function initDataDir(pgdata: string): Promise<void> {
  const moduleUrl = import.meta.resolve("@electric-sql/pglite");
  await new Promise<void>((resolve, reject) => {
    execFile(
      process.execPath,
      ["--input-type=module", "-e", INIT_SCRIPT, moduleUrl, pgdata],
      { timeout: 120_000 },
      (err, _stdout, stderr) => {
        if (!err) return resolve();
        const detail = stderr.trim().split("\n").filter(Boolean).pop() ?? err.message;
        reject(new Error(`creating the store failed: ${detail}`));
      },
    );
  });
}

/** Opens (creating when needed) the embedded store under `dataDir`, or an in-memory one for `dataDir: null`. */
export async function openPglite(dataDir: string | null, opts: { initInChild?: boolean } = {}): Promise<Database> {
  let release = () => {};
  let db: PGlite;
  if (dataDir) {
    const pgdata = join(dataDir, "pgdata");
    mkdirSync(pgdata, { recursive: true });
    release = takeLock(dataDir);
    try {
      if (opts.initInChild && !existsSync(join(pgdata, "PG_VERSION"))) await initDataDir(pgdata);
      db = await PGlite.create({ dataDir: pgdata, startParams: START_PARAMS });
    } catch (err) {
      release();
      throw new StoreUnavailableError(`cannot open the embedded store in ${dataDir}: ${(err as Error).message}`);
    }
  } else {
    db = await PGlite.create({ startParams: START_PARAMS });
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

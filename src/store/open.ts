// The store every stateful part shares: PostgreSQL when DATABASE_URL is set, else the embedded PGlite under the data
// directory (or in memory for tests), migrated on open.
import { resolve } from "node:path";
import type { Database } from "./database.js";
import { migrate } from "./migrate.js";
import { openPglite } from "./pglite.js";
import { openPostgres } from "./postgres.js";

export interface StoreOptions {
  /** PostgreSQL URL; when set the embedded store is not used. Default: `DATABASE_URL`. */
  databaseUrl?: string;
  /** Where the embedded store lives. Default: `DRIFT_DATA_DIR`, then `./data`. `null`: in memory (tests). */
  dataDir?: string | null;
  /**
   * Long-running processes (the service): create a new embedded store in a short-lived child process, so initdb's
   * memory peak never stays in this one (costs a few seconds once).
   */
  initInChild?: boolean;
}

/** Opens the configured store and brings its schema up to date. */
export async function openStore(options: StoreOptions = {}): Promise<Database> {
  const url = options.databaseUrl ?? (process.env.DATABASE_URL || undefined);
  const db = url ? await openPostgres(url) : await openPglite(dataDirOf(options), { initInChild: options.initInChild });
  try {
    await migrate(db);
  } catch (err) {
    await db.close().catch(() => {});
    throw err;
  }
  return db;
}

function dataDirOf(options: StoreOptions): string | null {
  if (options.dataDir === null) return null;
  return resolve(options.dataDir ?? (process.env.DRIFT_DATA_DIR || "./data"));
}

import { readdir } from "node:fs/promises";
import { pathToFileURL } from "node:url";
import { shippedPath } from "../lib/package-root.js";
import type { Database, Queryable } from "./database.js";
import { PostgresDatabase } from "./postgres.js";

/**
 * A schema change. HOW TO ADD ONE (one new file, nothing else to edit): create
 * `src/store/migrations/NNN-what-it-does.ts`, NNN the next free number (take a fresh one; numbers never change
 * once shipped, and a duplicate stops the start), exporting
 *
 *   export const migration: MigrationScript = { sql: `create table drift_record (...);` };
 *
 * Every migration not yet recorded in `schema_migrations` runs at open, in number order, each in its own
 * transaction. Write plain PostgreSQL: the same SQL runs on PGlite and on a PostgreSQL server. Prefix your tables
 * with your module (`hub_`, `drift_`, `analysis_`, `audit_`).
 */
export interface MigrationScript {
  sql: string;
}

export interface Migration extends MigrationScript {
  version: number;
  name: string;
}

const FILE = /^(\d+)-([\w-]+)\.(ts|js)$/;
// Any constant: every process migrating the same PostgreSQL database takes this session lock first.
const ADVISORY_LOCK_KEY = 7_406_113_001;

/** The migrations shipped in src/store/migrations/, in version order. */
export async function loadMigrations(dir = defaultDir()): Promise<Migration[]> {
  const found: Migration[] = [];
  for (const file of (await readdir(dir)).sort()) {
    const match = FILE.exec(file);
    if (!match || file.endsWith(".d.ts")) continue;
    const mod = (await import(pathToFileURL(`${dir}/${file}`).href)) as { migration?: MigrationScript };
    if (!mod.migration?.sql) throw new Error(`migration ${file} exports no \`migration\` with \`sql\``);
    found.push({ version: Number(match[1]), name: match[2], sql: mod.migration.sql });
  }
  found.sort((a, b) => a.version - b.version);
  for (let i = 1; i < found.length; i++) {
    if (found[i].version === found[i - 1].version) {
      throw new Error(`two migrations numbered ${found[i].version}: ${found[i - 1].name} and ${found[i].name}`);
    }
  }
  return found;
}

function defaultDir(): string {
  return shippedPath("store/migrations");
}

/** Brings the schema up to date; returns the versions it applied. Safe when several processes start at once. */
export async function migrate(db: Database, migrations?: Migration[]): Promise<number[]> {
  const all = migrations ?? (await loadMigrations());
  if (db instanceof PostgresDatabase) {
    return db.withConnection(async (conn) => {
      await conn.query("select pg_advisory_lock($1)", [ADVISORY_LOCK_KEY]);
      try {
        return await applyPending(db, conn, all);
      } finally {
        await conn.query("select pg_advisory_unlock($1)", [ADVISORY_LOCK_KEY]);
      }
    });
  }
  return applyPending(db, db, all); // PGlite: one process holds the data dir (lock file)
}

async function applyPending(db: Database, conn: Queryable, all: Migration[]): Promise<number[]> {
  await conn.exec(`create table if not exists schema_migrations (
    version integer primary key,
    name text not null,
    applied_at timestamptz not null default now()
  )`);
  const done = new Set(
    (await conn.query<{ version: number }>("select version from schema_migrations")).map((r) => r.version),
  );
  const applied: number[] = [];
  for (const m of all) {
    if (done.has(m.version)) continue;
    await db.transaction(async (tx) => {
      await tx.exec(m.sql);
      await tx.query("insert into schema_migrations (version, name) values ($1, $2)", [m.version, m.name]);
    });
    applied.push(m.version);
  }
  return applied;
}

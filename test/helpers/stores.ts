// Both stores for the tests that must pass on each: `describe.each(STORE_KINDS)` and `openTestStore(kind)`.
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { inject } from "vitest";
import type { Database, StoreKind } from "../../src/store/database.js";
import { openStore } from "../../src/store/open.js";

export const STORE_KINDS: StoreKind[] = ["pglite", "postgres"];

/** A fresh, empty PostgreSQL database on the run's server; returns its URL. */
export async function createTestDatabase(): Promise<string> {
  const base = inject("postgresUrl");
  const name = `t_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(base);
  url.pathname = `/${name}`;
  return url.toString();
}

export interface TestStore {
  db: Database;
  /** How to reopen the same store: a data dir (PGlite) or a URL (PostgreSQL). */
  location: { dataDir?: string; databaseUrl?: string };
  cleanup: () => Promise<void>;
}

export async function openTestStore(kind: StoreKind): Promise<TestStore> {
  if (kind === "postgres") {
    const databaseUrl = await createTestDatabase();
    const db = await openStore({ databaseUrl });
    return { db, location: { databaseUrl }, cleanup: () => db.close() };
  }
  const dataDir = mkdtempSync(join(tmpdir(), "drift-store-"));
  const db = await openStore({ dataDir, databaseUrl: "" });
  return {
    db,
    location: { dataDir },
    cleanup: async () => {
      await db.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

// The key of the Secret value hashes ("***" plus 8 hex): per installation, so a masked hash cannot be matched against
// hashes of guessed passwords made with a public key. DRIFT_SECRET_HASH_KEY (e.g. from a Secret) wins; else it is
// made on first start and kept in the store, where every replica reads the same one; without a store, per process.
import { randomBytes } from "node:crypto";
import type { Database } from "../store/database.js";

const NAME = "secret-hash-key";

export async function installHashKey(db: Database | undefined, fromEnv: string | undefined): Promise<string> {
  if (fromEnv) return fromEnv;
  const fresh = randomBytes(32).toString("base64url");
  if (!db) return fresh;
  await db.query("insert into install_secret (name, value) values ($1, $2) on conflict (name) do nothing", [
    NAME,
    fresh,
  ]);
  const rows = await db.query<{ value: string }>("select value from install_secret where name = $1", [NAME]);
  return rows[0]?.value ?? fresh;
}

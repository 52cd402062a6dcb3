// Published kind schemas kept between `check` runs: the core/v1 and apps/v1 documents are megabytes the server sends
// and we parse and resolve every run, only to keep a few kinds' schemas. Each kind's resolved schema is one small
// file named by a hash of its document's URL, which carries the server's hash of the document's content: a new
// server version publishes new URLs, so an entry never goes stale and the store is safe to delete. Schemas are
// public API descriptions (no object values); files are still the user's alone, like the rest of the cache.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { OpenAPISchema } from "../drift/types.js";
import { writePrivateFile } from "../lib/private-file.js";

const FORMAT = 1;

interface StoreFile {
  format: number;
  key: string;
  /** null: the document does not describe the kind. */
  schema: OpenAPISchema | null;
}

export interface SchemaStore {
  /** The schema kept for `key` (a hashed document URL and a kind), null if the document lacks it, else undefined. */
  get(key: string): OpenAPISchema | null | undefined;
  /** Keeps a schema; an unwritable directory only costs speed (never throws). */
  put(key: string, schema: OpenAPISchema | null): Promise<void>;
}

export function schemaStore(dir: string): SchemaStore {
  const fileOf = (key: string) => join(dir, `${createHash("sha256").update(key).digest("hex").slice(0, 32)}.json`);
  return {
    get(key) {
      try {
        const file = JSON.parse(readFileSync(fileOf(key), "utf8")) as Partial<StoreFile>;
        // The key is stored too: a truncated hash that collides reads as a miss, never as another kind's schema.
        return file.format === FORMAT && file.key === key && file.schema !== undefined ? file.schema : undefined;
      } catch {
        return undefined;
      }
    },
    async put(key, schema) {
      try {
        await writePrivateFile(fileOf(key), JSON.stringify({ format: FORMAT, key, schema } satisfies StoreFile));
      } catch {
        // read-only home, full disk: the next run fetches the document again
      }
    },
  };
}

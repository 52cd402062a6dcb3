// Parsed manifest files kept between `check` runs: reading YAML was most of a check of a large directory, and the
// files rarely change between two checks. One file per source directory in the user's cache directory, holding each
// manifest file's parse result under a hash of the reader's version, the file's path and its bytes, so a changed
// file (or a new reader) is simply a miss. A missing, unreadable or foreign cache file is an empty cache, and an
// unwritable cache directory only costs speed: the cache is safe to delete.
//
// Only what reads back exactly as it was parsed is kept: files without errors, whose values are plain JSON (no
// NaN or infinities, no -0, no binary or sets, no shared anchors). Never a secret: a file with a Secret, or with
// any value that looks like a credential (src/lib/secret-names.ts), is parsed every time and not stored; the cache
// is the user's alone (0600 files in a 0700 directory).
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { chmod, readdir, rm, stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import yamlPackage from "yaml/package.json" with { type: "json" };
import type { DesiredObject } from "../drift/types.js";
import { userCacheDir } from "../lib/cache-dir.js";
import { MANIFEST_READER } from "../lib/manifest-yaml.js";
import { writePrivateFile } from "../lib/private-file.js";
import { looksLikeCredential } from "../lib/secret-names.js";

const FORMAT = 1;
/** Source directories remembered: past this, the least recently written files go (a re-parse is all that costs). */
export const MAX_SOURCES = 64;
const READER = `${FORMAT}/${MANIFEST_READER}/yaml-${yamlPackage.version}`;

interface CacheFile {
  reader: string;
  entries: Record<string, DesiredObject[]>;
}

export interface ManifestCache {
  /** The objects of a file read before with these exact bytes, or undefined. */
  get(path: string, text: string): DesiredObject[] | undefined;
  /** Offers a file's parse result; kept only when it reads back exactly and holds no secret. */
  put(path: string, text: string, objects: DesiredObject[]): void;
  /**
   * Writes the entries of the files seen since opening (the others are dropped), if anything changed. The objects
   * are serialized before this returns its promise, so the caller may change them afterwards.
   */
  save(): Promise<void>;
}

/** The cache file of the source directory (or file) `root`. */
export function manifestCachePath(root: string, base = userCacheDir()): string {
  return join(base, "manifests", `${createHash("sha256").update(resolve(root)).digest("hex").slice(0, 24)}.json`);
}

export function openManifestCache(path: string): ManifestCache {
  const stored = readCache(path);
  const seen: CacheFile["entries"] = {};
  let changed = false;
  return {
    get(file, text) {
      const key = entryKey(file, text);
      const objects = stored[key];
      if (!objects) return undefined;
      seen[key] = objects;
      return objects;
    },
    put(file, text, objects) {
      if (!storable(objects)) return;
      seen[entryKey(file, text)] = objects;
      changed = true;
    },
    async save() {
      if (!changed && Object.keys(seen).length === Object.keys(stored).length) return;
      // Serialized before the first await: the caller may change its objects once this returns.
      const text = JSON.stringify({ reader: READER, entries: seen } satisfies CacheFile);
      const dir = join(path, "..");
      await writePrivateFile(path, text);
      await chmod(dir, 0o700); // created looser by an earlier version
      await forgetOldest(dir);
    },
  };
}

async function forgetOldest(dir: string): Promise<void> {
  const names = (await readdir(dir)).filter((n) => n.endsWith(".json"));
  if (names.length <= MAX_SOURCES) return;
  const files = await Promise.all(
    names.map(async (n) => ({
      path: join(dir, n),
      at: (await stat(join(dir, n)).catch(() => undefined))?.mtimeMs ?? 0,
    })),
  );
  files.sort((a, b) => b.at - a.at);
  await Promise.all(files.slice(MAX_SOURCES).map((f) => rm(f.path, { force: true })));
}

function entryKey(path: string, text: string): string {
  return createHash("sha256").update(READER).update("\0").update(path).update("\0").update(text).digest("base64url");
}

function readCache(path: string): CacheFile["entries"] {
  try {
    const file = JSON.parse(readFileSync(path, "utf8")) as Partial<CacheFile>;
    const entries = file.reader === READER ? file.entries : undefined;
    return entries && typeof entries === "object" && !Array.isArray(entries) ? entries : {};
  } catch {
    return {};
  }
}

/** No Secret, no credential-like value, and every value reads back from JSON as it is. */
function storable(objects: DesiredObject[]): boolean {
  const seen = new Set<object>();
  return objects.every((o) => o.object.kind !== "Secret" && plainJson(o.object, seen));
}

function plainJson(value: unknown, seen: Set<object>): boolean {
  switch (typeof value) {
    case "string":
      return !looksLikeCredential(value);
    case "boolean":
      return true;
    case "number":
      return Number.isFinite(value) && !Object.is(value, -0);
    case "object": {
      if (value === null) return true;
      // An alias shares one value between two places; JSON would make two.
      if (seen.has(value)) return false;
      seen.add(value);
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) if (!(i in value) || !plainJson(value[i], seen)) return false;
        return true;
      }
      if (Object.getPrototypeOf(value) !== Object.prototype) return false;
      for (const key of Object.keys(value)) {
        if (!plainJson((value as Record<string, unknown>)[key], seen)) return false;
      }
      return Object.getOwnPropertySymbols(value).length === 0;
    }
    default:
      return false;
  }
}

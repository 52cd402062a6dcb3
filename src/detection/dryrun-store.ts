// Server-mode dry-run results kept between `check` runs, so a repeated check of unchanged objects in an unchanged
// cluster makes no dry-run at all. One file per cluster identity (server URL, CA, user) in the user's cache
// directory; bounded in entries and age; a missing, unreadable or foreign file is an empty cache (safe to delete).
// Secrets' views are never written (their values leave the engine masked or not at all), and the file is the
// user's alone (0600 in a 0700 directory): the other views hold the desired objects' values, a hub's included.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { KubeConfig } from "@kubernetes/client-node";
import type { KubeObject, ObjectRef } from "../drift/types.js";
import { appliedKey, DryRunCache, defaultedKey } from "../kube/dryrun-cache.js";
import { userCacheDir } from "../lib/cache-dir.js";
import { writePrivateFile } from "../lib/private-file.js";

const FORMAT = 1;
/** Views kept (two per desired object): about 5,000 objects' worth, a few MB. */
export const MAX_VIEWS = 10_000;
/** A view older than this is asked again: admission, CRD defaults or the server version may have changed since. */
export const MAX_AGE_MS = 24 * 3600_000;

type View = KubeObject | null;
/** The slot of a core Secret's view (`apply:v1|Secret|ns|name`, `create:…`). */
const SECRET_SLOT = /^[a-z]+:v1\|Secret\|/;
interface StoreFile {
  format: number;
  views: Array<[slot: string, key: string, at: number, value: View]>;
}

export interface PersistedDryRuns {
  cache: DryRunCache<View>;
  /** Writes the cache back; the views of `current` (this run's objects) are kept first when over the bound. */
  save(current: ObjectRef[]): Promise<void>;
}

/** The file for the cluster a kubeconfig points at; different clusters (or a recreated sandbox) never share one. */
export function dryRunStorePath(kubeConfig: KubeConfig, base = userCacheDir()): string {
  const cluster = kubeConfig.getCurrentCluster();
  let ca = cluster?.caData ?? "";
  if (!ca && cluster?.caFile) ca = readQuietly(cluster.caFile);
  const identity = JSON.stringify([cluster?.server, ca, kubeConfig.getCurrentUser()?.name]);
  return join(base, "dryrun", `${createHash("sha256").update(identity).digest("hex").slice(0, 24)}.json`);
}

export function loadDryRuns(path: string, now = Date.now()): PersistedDryRuns {
  const cache = new DryRunCache<View>();
  const loadedAt = new Map<string, { key: string; at: number }>();
  for (const [slot, key, at, value] of readStore(path)) {
    if (now - at > MAX_AGE_MS) continue;
    cache.set({ slot, key }, value);
    loadedAt.set(slot, { key, at });
  }
  return {
    cache,
    async save(current) {
      const first = new Set<string>();
      for (const ref of current) {
        first.add(appliedKey(ref, "", "").slot);
        first.add(defaultedKey(ref, "").slot);
      }
      const views: StoreFile["views"] = [];
      const rest: StoreFile["views"] = [];
      for (const [slot, { key, value }] of cache.entries()) {
        if (value === null) continue; // a refusal (webhook, immutable field) may be passing: ask again next run
        if (SECRET_SLOT.test(slot)) continue;
        const loaded = loadedAt.get(slot);
        const at = loaded?.key === key ? loaded.at : now;
        (first.has(slot) ? views : rest).push([slot, key, at, value]);
      }
      views.push(...rest);
      views.length = Math.min(views.length, MAX_VIEWS);
      const file: StoreFile = { format: FORMAT, views };
      await writePrivateFile(path, JSON.stringify(file));
    },
  };
}

function readStore(path: string): StoreFile["views"] {
  try {
    const file = JSON.parse(readFileSync(path, "utf8")) as Partial<StoreFile>;
    return file.format === FORMAT && Array.isArray(file.views) ? file.views : [];
  } catch {
    return [];
  }
}

function readQuietly(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
}

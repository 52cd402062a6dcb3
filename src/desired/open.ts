// `--source SPEC` -> a DesiredSource. Hub sources (`hub:SPACE`, `confighub:SPACE`) register here when they exist.

import { existsSync } from "node:fs";
import { ExpectedError } from "../lib/errors.js";
import type { Database } from "../store/database.js";
import { DirectorySource } from "./directory.js";
import type { DesiredSnapshot, DesiredSource } from "./source.js";

export interface OpenSourceOptions {
  env?: NodeJS.ProcessEnv;
  /** Hub sources: compare with the revision last applied (default) or with head. */
  revision?: "applied" | "head";
  /** Where a hub source says, once, which ConfigHub release answers (default: stderr; the service: its log). */
  log?: (line: string) => void;
  /** `hub:` without HUB_URL: serve the embedded hub from this open store (the service's own) instead of ./data. */
  db?: Database;
  /** Directory sources: keep parsed files in this user cache directory between runs (one-shot commands). */
  cacheDir?: string;
}

/** A source spec that names no usable source (bad prefix, empty): the command stops with exit code 2. */
export class SourceSpecError extends ExpectedError {
  override readonly name = "SourceSpecError";
}

type Opener = (rest: string, opts: OpenSourceOptions) => Promise<DesiredSource>;

/** Prefix (without the colon) -> opener. Extend by adding an entry. */
export const sourceOpeners: Record<string, Opener> = {
  hub: async (rest, opts) => (await import("./hub-open.js")).openHubSource(rest, opts),
  confighub: async (rest, opts) => (await import("./hub-open.js")).openConfigHubSource(rest, opts),
};

/** Opens the source, reads it once and closes it: what one-shot commands (check, rbac) need. */
export async function loadSnapshot(spec: string, opts: OpenSourceOptions = {}): Promise<DesiredSnapshot> {
  const source = await openSource(spec, opts);
  try {
    return await source.load();
  } finally {
    // Hub sources hold a database or HTTP connection; a one-shot command must not keep the process alive.
    await source.close?.().catch(() => {});
  }
}

export async function openSource(spec: string, opts: OpenSourceOptions = {}): Promise<DesiredSource> {
  const trimmed = spec.trim();
  if (!trimmed) throw new SourceSpecError("--source is empty: give a directory, a file, hub:SPACE or confighub:SPACE");
  // `C:\…` and `./a:b` are paths; a prefix is a bare word before the first colon.
  const match = /^([a-z][a-z0-9-]*):(.*)$/i.exec(trimmed);
  if (match && match[1]!.length > 1) {
    const opener = sourceOpeners[match[1]!.toLowerCase()];
    if (opener) return opener(match[2]!, opts);
    if (existsSync(trimmed)) return new DirectorySource(trimmed, { cacheDir: opts.cacheDir });
    throw new SourceSpecError(
      `unknown source type "${match[1]}:" in ${trimmed}: use a directory, a file, hub:SPACE or confighub:SPACE`,
    );
  }
  return new DirectorySource(trimmed, { cacheDir: opts.cacheDir });
}

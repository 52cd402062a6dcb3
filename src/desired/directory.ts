// Desired state from a directory (searched recursively) or a single file of YAML/JSON manifests, multi-document.
// Each bad document becomes a DesiredError naming its file and document; the rest is still read.
import { createHash } from "node:crypto";
import { readdir, readFile, realpath, stat } from "node:fs/promises";
import { join } from "node:path";
import { Composer, LineCounter, Parser } from "yaml";
import type { DesiredError, DesiredObject, KubeObject, SourceInfo } from "../drift/types.js";
import { MANIFEST_YAML } from "../lib/manifest-yaml.js";
import { manifestCachePath, openManifestCache } from "./manifest-cache.js";
import { type DesiredSnapshot, type DesiredSource, SourceUnavailableError } from "./source.js";

const MANIFEST = /\.(ya?ml|json)$/i;

export interface DirectorySourceOptions {
  /** Keep parsed files in this user cache directory between loads (src/desired/manifest-cache.ts): `check`. */
  cacheDir?: string;
}

export class DirectorySource implements DesiredSource {
  readonly description: string;

  constructor(
    readonly root: string,
    private readonly opts: DirectorySourceOptions = {},
  ) {
    this.description = root;
  }

  async load(): Promise<DesiredSnapshot> {
    let files: string[];
    const errors: DesiredError[] = [];
    try {
      const info = await stat(this.root);
      files = info.isDirectory() ? await manifestFiles(this.root, errors) : [this.root];
    } catch (err) {
      throw new SourceUnavailableError(`cannot read ${this.root}: ${describeFsError(err)}`);
    }
    const objects: DesiredObject[] = [];
    const hash = createHash("sha256");
    const cache = this.opts.cacheDir ? openManifestCache(manifestCachePath(this.root, this.opts.cacheDir)) : undefined;
    for (const path of files) {
      let text: string;
      try {
        text = await readFile(path, "utf8");
      } catch (err) {
        errors.push({ source: { type: "file", path }, error: `cannot read ${path}: ${describeFsError(err)}` });
        continue;
      }
      hash.update(path).update("\0").update(text).update("\0");
      const cached = cache?.get(path, text);
      if (cached) {
        objects.push(...cached);
        continue;
      }
      const parsed = parseManifests(text, path);
      if (parsed.errors.length === 0) cache?.put(path, text, parsed.objects);
      objects.push(...parsed.objects);
      errors.push(...parsed.errors);
    }
    await cache?.save().catch(() => {}); // an unwritable cache only costs speed
    return { objects, errors, version: hash.digest("hex").slice(0, 16) };
  }
}

/**
 * Parses one file's documents (numbered from 1, empty ones counted) into desired objects; `List` kinds are expanded
 * into their items. Values are read as kubectl reads them (src/lib/manifest-yaml.ts). Namespaces are left as
 * written: which kinds need one is the cluster's to say. A change to how files read bumps MANIFEST_READER.
 */
export function parseManifests(text: string, path: string): { objects: DesiredObject[]; errors: DesiredError[] } {
  const objects: DesiredObject[] = [];
  const errors: DesiredError[] = [];
  // One document at a time (parseAllDocuments would hold every document's syntax tree at once: ~50 MB more at the
  // peak for 10,000 small manifests).
  const lines = new LineCounter();
  const composer = new Composer({ ...MANIFEST_YAML, uniqueKeys: true });
  let document = 0;
  for (const doc of composer.compose(new Parser(lines.addNewLine).parse(text))) {
    document++;
    const source: SourceInfo = { type: "file", path, document };
    const where = `${path} document ${document}`;
    const problem = doc.errors[0];
    if (problem) {
      const pos = lines.linePos(problem.pos[0]);
      const start = lines.linePos(doc.contents?.range?.[0] ?? doc.range[0]).line;
      const message = firstLine(problem.message);
      errors.push({
        source,
        error: `${where} (from line ${start}): invalid YAML at line ${pos.line}, column ${pos.col}: ${message}`,
      });
      continue;
    }
    // A copy: each string the parser returns is a slice of the file's text, so one kept value would keep the whole
    // file (two 5 MB files held by 96,000 slices in the service at 10,000 objects). The copy owns its strings, and
    // keeps every value as parsed (shared anchors, non-finite numbers), where a JSON round trip would not.
    const value = structuredClone(doc.toJS({ maxAliasCount: 100 })) as unknown;
    if (value === null || value === undefined) continue; // empty document, e.g. a trailing `---`
    if (typeof value !== "object" || Array.isArray(value)) {
      errors.push({ source, error: `${where}: expected a Kubernetes object, found ${describe(value)}` });
      continue;
    }
    const obj = value as Record<string, unknown>;
    if (typeof obj.kind === "string" && obj.kind.endsWith("List") && Array.isArray(obj.items)) {
      obj.items.forEach((item, j) => {
        const result = toDesired(item, source, `${where} item ${j + 1}`);
        if ("error" in result) errors.push(result);
        else objects.push(result);
      });
      continue;
    }
    const result = toDesired(obj, source, where);
    if ("error" in result) errors.push(result);
    else objects.push(result);
  }
  return { objects, errors };
}

function toDesired(value: unknown, source: SourceInfo, where: string): DesiredObject | DesiredError {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    return { source, error: `${where}: expected a Kubernetes object, found ${describe(value)}` };
  }
  const obj = value as Record<string, unknown>;
  const metadata = obj.metadata as Record<string, unknown> | undefined;
  const ref = {
    apiVersion: typeof obj.apiVersion === "string" ? obj.apiVersion : undefined,
    kind: typeof obj.kind === "string" ? obj.kind : undefined,
    name: typeof metadata?.name === "string" ? metadata.name : undefined,
    namespace: typeof metadata?.namespace === "string" && metadata.namespace ? metadata.namespace : undefined,
  };
  const missing = [
    !ref.apiVersion && "apiVersion",
    !ref.kind && "kind",
    (typeof metadata !== "object" || metadata === null || Array.isArray(metadata)) && "metadata",
    metadata && typeof metadata === "object" && !ref.name && "metadata.name",
  ].filter(Boolean);
  if (missing.length > 0) {
    return { source, ref: clean(ref), error: `${where}: missing ${missing.join(", ")}` };
  }
  return {
    ref: clean(ref) as DesiredObject["ref"],
    object: obj as KubeObject,
    source,
  };
}

/**
 * The manifest files under `dir`, sorted; a symlink that leads back into a directory being walked (a loop) or that
 * cannot be followed becomes an error of its own and the rest is still walked.
 */
async function manifestFiles(dir: string, errors: DesiredError[], walking: string[] = []): Promise<string[]> {
  const out: string[] = [];
  const chain = [...walking, await realpath(dir)];
  const entries = await readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    if (entry.name.startsWith(".")) continue; // .git, editor swap files
    const path = join(dir, entry.name);
    let isDir = entry.isDirectory();
    let isFile = entry.isFile();
    if (entry.isSymbolicLink()) {
      const target = await linkTarget(path);
      if ("error" in target) {
        if (target.error !== "ENOENT" || MANIFEST.test(entry.name)) {
          errors.push({ source: { type: "file", path }, error: `cannot read ${path}: ${target.message}` });
        }
        continue;
      }
      if (target.isDir && chain.includes(target.real)) {
        const message = `symlink loop: ${path} leads back to ${target.real}, not followed`;
        errors.push({ source: { type: "file", path }, error: message });
        continue;
      }
      isDir = target.isDir;
      isFile = target.isFile;
    }
    if (isDir) out.push(...(await manifestFiles(path, errors, chain)));
    else if (isFile && MANIFEST.test(entry.name)) out.push(path);
  }
  return out;
}

type LinkTarget = { isDir: boolean; isFile: boolean; real: string } | { error: string; message: string };

async function linkTarget(path: string): Promise<LinkTarget> {
  try {
    const info = await stat(path);
    return { isDir: info.isDirectory(), isFile: info.isFile(), real: await realpath(path) };
  } catch (err) {
    const code = (err as { code?: string }).code ?? "";
    return { error: code, message: code === "ENOENT" ? "broken symlink" : describeFsError(err) };
  }
}

function clean<T extends Record<string, unknown>>(ref: T): Partial<T> {
  return Object.fromEntries(Object.entries(ref).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return "a list";
  if (value === null || value === undefined) return "nothing";
  return `a ${typeof value} (${firstLine(String(value)).slice(0, 40)})`;
}

function firstLine(s: string): string {
  return s.split("\n")[0] ?? s;
}

function describeFsError(err: unknown): string {
  const code = (err as { code?: string }).code;
  if (code === "ENOENT") return "no such file or directory";
  if (code === "EACCES") return "permission denied";
  if (code === "ELOOP") return "symlink loop";
  return firstLine((err as Error).message ?? String(err));
}

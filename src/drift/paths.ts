// Where a value sits: the RFC 6901 JSON Pointer (list items by index), the human `field`
// (list items by merge key), and the segments managedFields lookups need (list items by their live value).
import { escapeToken, parsePointer, unescapeToken } from "../lib/json-pointer.js";

export { escapeToken, parsePointer, unescapeToken };

/** One step into an object: a map key, or a list item (its value on the side it exists, and its index there). */
export type Seg = string | ItemSeg;
export interface ItemSeg {
  item: unknown;
  index: number;
  /** The list's merge key fields, for the human form `[name=x]`; none: `[index]`. */
  key?: readonly string[];
  /** Server defaults of key fields an item may leave out (protocol → TCP). */
  keyDefaults?: Readonly<Record<string, unknown>>;
}

/** The current position during a walk. Pushing is cheap; the strings are rendered only when a change is recorded. */
export class PathStack {
  readonly segs: Seg[] = [];

  pushKey(key: string): void {
    this.segs.push(key);
  }

  pushItem(
    item: unknown,
    index: number,
    key: readonly string[] | undefined,
    keyDefaults?: Readonly<Record<string, unknown>>,
  ): void {
    this.segs.push({ item, index, key, keyDefaults });
  }

  pop(): void {
    this.segs.pop();
  }

  pointer(): string {
    return segsToPointer(this.segs);
  }

  fieldString(): string {
    return segsToField(this.segs);
  }
}

export function segsToPointer(segs: readonly Seg[]): string {
  let s = "";
  for (const seg of segs) s += `/${typeof seg === "string" ? escapeToken(seg) : seg.index}`;
  return s;
}

export function segsToField(segs: readonly Seg[]): string {
  let s = "";
  for (const seg of segs) s += typeof seg === "string" ? fieldKey(seg) : `[${itemLabel(seg)}]`;
  return s.startsWith(".") ? s.slice(1) : s;
}

/** `name=backend`, `containerPort=8080,protocol=TCP`, or the index for lists without a merge key. */
export function itemLabel(seg: ItemSeg): string {
  if (seg.key === undefined || seg.item === null || typeof seg.item !== "object") return String(seg.index);
  const parts: string[] = [];
  for (const k of seg.key) {
    const v = readKey(seg.item, k) ?? seg.keyDefaults?.[k];
    if (v !== undefined) parts.push(`${k}=${formatKeyValue(v)}`);
  }
  return parts.length > 0 ? parts.join(",") : String(seg.index);
}

function formatKeyValue(v: unknown): string {
  return typeof v === "string" || typeof v === "number" || typeof v === "boolean" ? String(v) : JSON.stringify(v);
}

/** A merge key field of an item; `metadata.name` reaches into a nested map. */
export function readKey(item: unknown, field: string): unknown {
  if (item === null || typeof item !== "object") return undefined;
  const dot = field.indexOf(".");
  if (dot < 0) return (item as Record<string, unknown>)[field];
  return readKey((item as Record<string, unknown>)[field.slice(0, dot)], field.slice(dot + 1));
}

const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** `.name`, or `["app.kubernetes.io/name"]` for keys that are not plain identifiers. */
export function fieldKey(key: string): string {
  return PLAIN_KEY.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
}

/**
 * A JSON Pointer pattern: `*` matches one token (a list index or a map key), `**` any number of tokens.
 * `matches` accepts the pointer itself or anything below it (ignoring `/spec/template` ignores all under it).
 */
export class PointerPattern {
  private readonly tokens: string[];
  // Patterns of the form "/**/name" (some token equals name), the common shape, are checked without backtracking.
  private readonly anywhere: string | undefined;
  constructor(readonly source: string) {
    this.tokens = parsePointer(source);
    const [first, second] = this.tokens;
    this.anywhere =
      this.tokens.length === 2 && first === "**" && second !== "*" && second !== "**" ? second : undefined;
  }

  matches(pointer: string): boolean {
    return this.matchesTokens(parsePointer(pointer));
  }

  /** As `matches`, over an already split pointer. */
  matchesTokens(tokens: readonly string[]): boolean {
    if (this.anywhere !== undefined) return tokens.includes(this.anywhere);
    return matchTokens(this.tokens, 0, tokens, 0, true);
  }

  /** Exact match only (no descendants). */
  matchesExactly(pointer: string): boolean {
    return matchTokens(this.tokens, 0, parsePointer(pointer), 0, false);
  }
}

function matchTokens(
  pat: readonly string[],
  pi: number,
  toks: readonly string[],
  ti: number,
  prefix: boolean,
): boolean {
  while (pi < pat.length) {
    const p = pat[pi];
    if (p === "**") {
      for (let k = ti; k <= toks.length; k++) if (matchTokens(pat, pi + 1, toks, k, prefix)) return true;
      return false;
    }
    if (ti >= toks.length) return false;
    if (p !== "*" && p !== toks[ti]) return false;
    pi++;
    ti++;
  }
  return prefix || ti === toks.length;
}

const compiledGlobs = new Map<string, RegExp>();

/**
 * A glob over names (`kubectl*`, `*-controller`); `*` is the only wildcard. Compiled once per glob: rules are
 * compiled for every options object a caller makes, and a RegExp without flags holds no state, so it is shared.
 */
export function globToRegExp(glob: string): RegExp {
  let re = compiledGlobs.get(glob);
  if (re === undefined) {
    re = new RegExp(`^${glob.split("*").map(escapeRegExp).join(".*")}$`);
    if (compiledGlobs.size < 10_000) compiledGlobs.set(glob, re);
  }
  return re;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * A list of globs where a leading `!` excludes: `["kubectl*", "!kubectl-client-side-apply"]`.
 * A name matches when some include matches and no exclude does.
 */
export class NameMatcher {
  private readonly include: RegExp[] = [];
  private readonly exclude: RegExp[] = [];
  private readonly memo = new Map<string, boolean>();

  constructor(globs: readonly string[]) {
    for (const g of globs) {
      if (g.startsWith("!")) this.exclude.push(globToRegExp(g.slice(1)));
      else this.include.push(globToRegExp(g));
    }
  }

  matches(name: string): boolean {
    let hit = this.memo.get(name);
    if (hit === undefined) {
      hit = this.include.some((r) => r.test(name)) && !this.exclude.some((r) => r.test(name));
      if (this.memo.size < 1000) this.memo.set(name, hit);
    }
    return hit;
  }
}

// Does a detection match a scenario's `expect`? Pure: results and printed output in, list of differences out.
import type { Change, ResourceResult } from "../drift/types.js";
import type { ChangeExpectation, Expectation } from "./format.js";

/** Each difference as a short phrase; empty when the verdict matches. */
export function matchExpectations(
  expect: Expectation[],
  results: ResourceResult[],
  /** Everything the detection printed (JSON report and text), searched for masked strings. */
  output: string,
): string[] {
  const problems: string[] = [];
  const byRef = new Map<string, ResourceResult>();
  for (const r of results) byRef.set(`${r.ref.kind}/${r.ref.name}`, r);
  const expected = new Map(expect.map((e) => [e.ref, e]));

  for (const e of expect) {
    if (!byRef.has(e.ref)) problems.push(`expect names ${e.ref}, which desired does not declare`);
  }
  for (const [ref, r] of byRef) {
    const e = expected.get(ref);
    if (r.status === "Error") {
      problems.push(`${ref}: Error: ${r.error ?? "(no message)"}`);
      continue;
    }
    if (!e) {
      if (r.status !== "InSync") problems.push(`${ref}: expected InSync, got ${r.status}${describeChanges(r.changes)}`);
      continue;
    }
    problems.push(...matchResource(e, r));
  }
  for (const e of expect) {
    for (const secret of e.masked ?? []) {
      if (output.includes(secret)) problems.push(`${e.ref}: masked value "${redact(secret)}" appears in the output`);
    }
  }
  return problems;
}

function matchResource(e: Expectation, r: ResourceResult): string[] {
  const problems: string[] = [];
  const ref = e.ref;
  if (r.status !== e.status)
    problems.push(`${ref}: expected ${e.status}, got ${r.status}${describeChanges(r.changes)}`);
  if (e.severity && r.severity !== e.severity)
    problems.push(`${ref}: expected severity ${e.severity}, got ${r.severity}`);
  for (const path of e.ignored ?? []) {
    if (!r.ignored.some((i) => i.path === path)) {
      problems.push(`${ref}: expected ${path} among ignored, got [${r.ignored.map((i) => i.path).join(", ")}]`);
    }
  }
  // The change set is complete both ways: every change matches an entry, every entry matches a change.
  // Without a `changes` list only status, severity and ignored are checked.
  if (e.changes === undefined) return problems;
  const wanted = e.changes;
  for (const c of r.changes) {
    if (wanted.some((w) => changeMatches(w, c))) continue;
    const near = wanted.find((w) => pathMatches(w, c.path));
    problems.push(
      near
        ? `${ref}: change ${describeChange(c)} does not match ${describeWanted(near)}`
        : `${ref}: unexpected change ${describeChange(c)}`,
    );
  }
  for (const w of wanted) {
    if (!r.changes.some((c) => pathMatches(w, c.path))) {
      problems.push(`${ref}: missing change at ${w.path ?? `${w.pathPrefix}…`}`);
    }
  }
  return problems;
}

export function changeMatches(w: ChangeExpectation, c: Change): boolean {
  if (!pathMatches(w, c.path)) return false;
  if (w.type !== undefined && w.type !== c.type) return false;
  if (w.desired !== undefined && !sameValue(w.desired, c.desired)) return false;
  if (w.live !== undefined && !sameValue(w.live, c.live)) return false;
  if (w.by !== undefined) {
    if (w.by === "none") return c.by === null;
    if (!c.by || !globMatch(w.by, c.by.manager)) return false;
  }
  return true;
}

function pathMatches(w: ChangeExpectation, path: string): boolean {
  if (w.path !== undefined) return path === w.path;
  const prefix = w.pathPrefix!.replace(/\/+$/, "");
  return path === prefix || path.startsWith(`${prefix}/`);
}

/** `*` matches any run of characters, `?` one; everything else literally. */
export function globMatch(pattern: string, value: string): boolean {
  const re = pattern
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, ".*")
    .replace(/\?/g, ".");
  return new RegExp(`^${re}$`).test(value);
}

function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (v && typeof v === "object") {
    return Object.fromEntries(
      Object.keys(v)
        .sort()
        .map((k) => [k, canonical((v as Record<string, unknown>)[k])]),
    );
  }
  return v;
}

function describeChanges(changes: Change[]): string {
  if (changes.length === 0) return "";
  const shown = changes.slice(0, 3).map(describeChange).join(", ");
  return ` (${shown}${changes.length > 3 ? `, +${changes.length - 3} more` : ""})`;
}

function describeChange(c: Change): string {
  const values =
    c.type === "changed"
      ? ` ${short(c.desired)} -> ${short(c.live)}`
      : c.type === "added"
        ? ` +${short(c.live)}`
        : ` -${short(c.desired)}`;
  return `${c.type} ${c.path}${values} by ${c.by?.manager ?? "none"}`;
}

function describeWanted(w: ChangeExpectation): string {
  const parts = [w.path ?? `${w.pathPrefix}…`];
  if (w.type) parts.push(`type ${w.type}`);
  if (w.desired !== undefined) parts.push(`desired ${short(w.desired)}`);
  if (w.live !== undefined) parts.push(`live ${short(w.live)}`);
  if (w.by) parts.push(`by ${w.by}`);
  return parts.join(", ");
}

function short(v: unknown): string {
  const s = JSON.stringify(v) ?? "undefined";
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

// Even when reporting a leak, do not print the whole secret again.
function redact(s: string): string {
  return s.length <= 4 ? "****" : `${s.slice(0, 2)}…${s.slice(-1)}`;
}

// Differences the user has chosen not to call drift: global rules from configuration and the per-object
// annotation `drift-detector.io/ignore` on the desired object. Format documented in docs/ignore-rules.md.

import * as z from "zod/mini";
import { globToRegExp, NameMatcher, PointerPattern } from "./paths.js";
import type { Change, IgnoreRule, KubeObject } from "./types.js";
import "./zod-messages.js";

export type { IgnoreRule } from "./types.js";

export const IGNORE_ANNOTATION = "drift-detector.io/ignore";

const pointer = z.string().check(z.refine((s) => s.startsWith("/"), { message: "a JSON Pointer starts with /" }));
const names = z.optional(z.array(z.string().check(z.minLength(1))).check(z.minLength(1)));
export const IgnoreRuleSchema = z.strictObject({
  paths: z.optional(z.array(pointer).check(z.minLength(1))),
  managers: names,
  kinds: names,
  namespaces: names,
  names,
  matchLabels: z.optional(z.record(z.string(), z.string())),
  reason: z.optional(z.string()),
});

/** The `ignore` section of the configuration file: a list of rules. */
export const IgnoreConfigSchema = z.array(IgnoreRuleSchema);

/** Validates ignore rules from configuration; throws one message naming the first bad entry. */
export function parseIgnoreRules(input: unknown, origin = "ignore rules"): IgnoreRule[] {
  const r = IgnoreConfigSchema.safeParse(input);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const where = issue.path.length > 0 ? ` at ${issue.path.join(".")}` : "";
  throw new Error(`${origin}${where}: ${issue.message}`);
}

interface CompiledIgnore {
  paths?: PointerPattern[];
  managers?: NameMatcher;
  kinds?: RegExp[];
  namespaces?: RegExp[];
  names?: RegExp[];
  matchLabels?: Record<string, string>;
  reason: string;
}

const compiledCache = new WeakMap<readonly IgnoreRule[], CompiledIgnore[]>();

export function compileIgnoreRules(rules: readonly IgnoreRule[] | undefined): CompiledIgnore[] {
  if (rules === undefined || rules.length === 0) return [];
  let c = compiledCache.get(rules);
  if (c === undefined) {
    c = rules.map(compileRule);
    compiledCache.set(rules, c);
  }
  return c;
}

function compileRule(r: IgnoreRule): CompiledIgnore {
  return {
    paths: r.paths?.map((p) => new PointerPattern(p)),
    managers: r.managers ? new NameMatcher(r.managers) : undefined,
    kinds: r.kinds?.map(globToRegExp),
    namespaces: r.namespaces?.map(globToRegExp),
    names: r.names?.map(globToRegExp),
    matchLabels: r.matchLabels,
    reason: r.reason ?? describe(r),
  };
}

function describe(r: IgnoreRule): string {
  const parts: string[] = [];
  if (r.paths) parts.push(`paths ${r.paths.join(", ")}`);
  if (r.managers) parts.push(`managers ${r.managers.join(", ")}`);
  return `ignore rule${parts.length > 0 ? ` (${parts.join("; ")})` : ""}`;
}

/**
 * Rules from the desired object's annotation: entries separated by commas or new lines, each a JSON Pointer pattern
 * or `manager:GLOB`. Throws on an entry that is neither (the object then reports an Error, not a silent guess).
 */
export function annotationRules(desired: KubeObject): CompiledIgnore[] {
  const raw = desired.metadata?.annotations?.[IGNORE_ANNOTATION];
  if (typeof raw !== "string" || raw.trim() === "") return [];
  // Many objects carry the same annotation (a template's), and each run compares them again: compile it once.
  let rules = annotationCache.get(raw);
  if (rules === undefined) {
    rules = compileAnnotation(raw);
    if (annotationCache.size < 1000) annotationCache.set(raw, rules);
  }
  return rules;
}

const annotationCache = new Map<string, CompiledIgnore[]>();

function compileAnnotation(raw: string): CompiledIgnore[] {
  const paths: string[] = [];
  const managers: string[] = [];
  for (const part of raw.split(/[,\n]/)) {
    const entry = part.trim();
    if (entry === "") continue;
    if (entry.startsWith("/")) paths.push(entry);
    else if (entry.startsWith("manager:") && entry.length > 8) managers.push(entry.slice(8).trim());
    else throw new Error(`annotation ${IGNORE_ANNOTATION}: "${entry}" is neither a JSON Pointer (/…) nor manager:NAME`);
  }
  const reason = `annotation ${IGNORE_ANNOTATION}`;
  const out: CompiledIgnore[] = [];
  if (paths.length > 0) out.push({ paths: paths.map((p) => new PointerPattern(p)), reason });
  if (managers.length > 0) out.push({ managers: new NameMatcher(managers), reason });
  return out;
}

/** The rules that concern this object (kind, namespace, name, labels). */
export function rulesFor(rules: readonly CompiledIgnore[], obj: KubeObject, group: string): CompiledIgnore[] {
  if (rules.length === 0) return [];
  const kind = obj.kind;
  const qualified = `${group}/${kind}`;
  const ns = obj.metadata?.namespace ?? "";
  const name = obj.metadata?.name ?? "";
  const labels = obj.metadata?.labels ?? {};
  return rules.filter(
    (r) =>
      (r.kinds === undefined || r.kinds.some((k) => k.test(kind) || k.test(qualified))) &&
      (r.namespaces === undefined || r.namespaces.some((n) => n.test(ns))) &&
      (r.names === undefined || r.names.some((n) => n.test(name))) &&
      (r.matchLabels === undefined || Object.entries(r.matchLabels).every(([k, v]) => labels[k] === v)),
  );
}

/** The reason a change is ignored, or undefined when it is drift. */
export function ignoreReason(rules: readonly CompiledIgnore[], change: Change): string | undefined {
  for (const r of rules) {
    if (r.paths !== undefined && !r.paths.some((p) => p.matches(change.path))) continue;
    if (r.managers !== undefined && (change.by === null || !r.managers.matches(change.by.manager))) continue;
    return r.reason;
  }
  return undefined;
}

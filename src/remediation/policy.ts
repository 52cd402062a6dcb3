// The `auto` mode's policy: which drift may be reverted without a person. Everything it does not name is left
// alone: every rule must name its severities, kinds and namespaces (`"*"` only when written out), and Missing
// objects are recreated only where a rule says `allowMissing: true`. Format: docs/remediation.md.
import { readFileSync } from "node:fs";
import YAML from "yaml";
import { z } from "zod";
import { SettingsError } from "../app/settings.js";
import { globToRegExp } from "../drift/paths.js";
import { SEVERITIES, type Severity } from "../drift/types.js";
import { parseDuration } from "../lib/duration.js";
import type { DriftRecordView } from "./types.js";

const duration = z.union([z.number().positive(), z.string()]).transform((v, ctx) => {
  const ms = typeof v === "number" ? v * 1000 : parseDuration(v);
  if (ms === undefined || ms <= 0) {
    ctx.addIssue({ code: "custom", message: `${JSON.stringify(v)} is not a duration (5s, 1m, 1h)` });
    return z.NEVER;
  }
  return ms;
});
const names = z.array(z.string().min(1)).min(1);

export const AutoRuleSchema = z
  .object({
    name: z.string().optional(),
    severities: z.array(z.enum(SEVERITIES as unknown as [Severity, ...Severity[]])).min(1),
    /** Kind globs (`Deployment`, `*`). */
    kinds: names,
    /** Namespace globs (`qa`, `team-*`, `*`); cluster-scoped objects match only `*`. */
    namespaces: names,
    /** All must match the desired object's labels. */
    labels: z.record(z.string(), z.string()).optional(),
    allowMissing: z.boolean().default(false),
  })
  .strict();

export const RemediationPolicySchema = z
  .object({
    rules: z.array(AutoRuleSchema).min(1),
    /** Per resource, as Argo CD's self-heal: wait initial, then ×factor after each attempt, at most max. */
    backoff: z
      .object({ initial: duration.default(5000), factor: z.number().min(1).default(2), max: duration.default(300_000) })
      .strict()
      .default({ initial: 5000, factor: 2, max: 300_000 }),
    /** At most `reverts` automatic reverts per `per` across the whole service. */
    rateLimit: z
      .object({ reverts: z.number().int().positive().default(10), per: duration.default(60_000) })
      .strict()
      .default({ reverts: 10, per: 60_000 }),
  })
  .strict();

export type AutoRule = z.infer<typeof AutoRuleSchema>;
export type RemediationPolicy = z.infer<typeof RemediationPolicySchema>;

/** A bad policy stops the start with one line, like any bad setting. */
export class PolicyError extends SettingsError {
  override readonly name = "SettingsError";
}

/** Validates a policy; one message naming the first bad entry. */
export function parsePolicy(input: unknown, origin = "remediation policy"): RemediationPolicy {
  const r = RemediationPolicySchema.safeParse(input);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const where = issue.path.length > 0 ? ` at ${issue.path.join(".")}` : "";
  throw new PolicyError(`${origin}${where}: ${issue.message}`);
}

export function loadPolicyFile(path: string): RemediationPolicy {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new PolicyError(`cannot read the remediation policy ${path}: ${(err as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = YAML.parse(text);
  } catch (err) {
    throw new PolicyError(`remediation policy ${path} is not valid YAML: ${(err as Error).message.split("\n")[0]}`);
  }
  return parsePolicy(doc, `remediation policy ${path}`);
}

/** The rule allowing an automatic revert of this record, if any. */
export function allowingRule(
  policy: RemediationPolicy,
  record: DriftRecordView,
  labels: Record<string, string> = {},
): AutoRule | undefined {
  return policy.rules.find((rule) => {
    if (record.resourceStatus === "Missing" && !rule.allowMissing) return false;
    if (!rule.severities.includes(record.severity)) return false;
    if (!rule.kinds.some((k) => globToRegExp(k).test(record.ref.kind))) return false;
    const ns = record.ref.namespace;
    if (!rule.namespaces.some((n) => (ns === undefined ? n === "*" : globToRegExp(n).test(ns)))) return false;
    return Object.entries(rule.labels ?? {}).every(([k, v]) => labels[k] === v);
  });
}

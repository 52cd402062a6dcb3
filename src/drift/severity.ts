// How bad a change is. Rules are tried in order, configured ones before the defaults (CONTRACT.md); the first
// match wins; a resource's severity is its worst change's.

import * as z from "zod/mini";
import { globToRegExp, PointerPattern, parsePointer } from "./paths.js";
import type { Severity, SeverityRule } from "./types.js";
import "./zod-messages.js";

export type { SeverityRule } from "./types.js";

export const SeverityRuleSchema = z.object({
  kind: z.optional(z.string().check(z.minLength(1))),
  path: z.string().check(z.startsWith("/", "a JSON Pointer starts with /")),
  severity: z.enum(["critical", "high", "medium", "low"]),
});

const RBAC_ROLES = "Role|ClusterRole";
const RBAC_BINDINGS = "RoleBinding|ClusterRoleBinding";

export const DEFAULT_SEVERITY_RULES: readonly SeverityRule[] = [
  ...["/rules", "/aggregationRule"].map((path) => ({ kind: RBAC_ROLES, path, severity: "critical" as const })),
  ...["/subjects", "/roleRef"].map((path) => ({ kind: RBAC_BINDINGS, path, severity: "critical" as const })),
  ...[
    "securityContext",
    "privileged",
    "allowPrivilegeEscalation",
    "capabilities",
    "hostNetwork",
    "hostPID",
    "hostIPC",
    "hostUsers",
    "hostPath",
    "hostPort",
  ].map((f) => ({ path: `/**/${f}`, severity: "critical" as const })),
  { kind: "Secret", path: "/data", severity: "high" },
  { kind: "Secret", path: "/stringData", severity: "high" },
  { kind: "Service", path: "/spec/ports", severity: "high" },
  { kind: "Service", path: "/spec/selector", severity: "high" },
  { kind: "NetworkPolicy", path: "/spec", severity: "high" },
  ...["image", "command", "args", "serviceAccountName"].map((f) => ({ path: `/**/${f}`, severity: "high" as const })),
  { path: "/spec/selector", severity: "high" },
  ...["replicas", "resources", "env", "envFrom"].map((f) => ({ path: `/**/${f}`, severity: "medium" as const })),
  { kind: "ConfigMap", path: "/data", severity: "medium" },
  { kind: "ConfigMap", path: "/binaryData", severity: "medium" },
  { path: "/**/metadata/labels", severity: "low" },
  { path: "/**/metadata/annotations", severity: "low" },
];

interface CompiledRule {
  kind: RegExp[] | undefined;
  pattern: PointerPattern;
  severity: Severity;
}

const policies = new WeakMap<readonly SeverityRule[], SeverityPolicy>();
let defaultPolicy: SeverityPolicy | undefined;

/** The compiled policy for a rule list, made once per list (and once for the defaults alone). */
export function severityPolicy(rules?: readonly SeverityRule[]): SeverityPolicy {
  if (rules === undefined || rules.length === 0) {
    defaultPolicy ??= new SeverityPolicy();
    return defaultPolicy;
  }
  let policy = policies.get(rules);
  if (policy === undefined) {
    policy = new SeverityPolicy(rules);
    policies.set(rules, policy);
  }
  return policy;
}

export class SeverityPolicy {
  private readonly rules: CompiledRule[];
  constructor(rules: readonly SeverityRule[] = []) {
    this.rules = [...rules, ...DEFAULT_SEVERITY_RULES].map((r) => ({
      kind: r.kind?.split("|").map(globToRegExp),
      pattern: new PointerPattern(r.path),
      severity: r.severity,
    }));
  }

  /** The severity of a change at `pointer`; for a whole map or list item, the worst of anything inside it. */
  of(kind: string, pointer: string, value?: unknown): Severity {
    const tokens = parsePointer(pointer);
    let worst = this.at(kind, tokens);
    if (value !== null && typeof value === "object") {
      forEachLeafPath(value, tokens, (t) => {
        const s = this.at(kind, t);
        if (RANK[s] < RANK[worst]) worst = s;
      });
    }
    return worst;
  }

  private at(kind: string, tokens: readonly string[]): Severity {
    for (const r of this.rules) {
      if (r.kind !== undefined && !r.kind.some((k) => k.test(kind))) continue;
      if (r.pattern.matchesTokens(tokens)) return r.severity;
    }
    return "medium";
  }
}

const RANK: Record<Severity, number> = { critical: 0, high: 1, medium: 2, low: 3 };

function forEachLeafPath(value: unknown, tokens: string[], visit: (t: readonly string[]) => void): void {
  if (value === null || typeof value !== "object") {
    visit(tokens);
    return;
  }
  const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value);
  if (entries.length === 0) {
    visit(tokens);
    return;
  }
  for (const [k, v] of entries) {
    tokens.push(k);
    forEachLeafPath(v, tokens, visit);
    tokens.pop();
  }
}

/** The worse of two severities (null = none yet). */
export function worseSeverity(a: Severity | null, b: Severity): Severity {
  return a === null || RANK[b] < RANK[a] ? b : a;
}

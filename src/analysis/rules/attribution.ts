// Plain-language "who and how" from a change's managedFields attribution.
import type { Attribution, Change } from "../../drift/types.js";

const HUMAN_MANAGERS = /^(kubectl|k9s|lens|openlens|headlamp|kubernetes-dashboard|rancher)/i;

export function isHuman(by: Attribution | null): boolean {
  return by !== null && HUMAN_MANAGERS.test(by.manager);
}

/** "a person with kubectl (kubectl-scale, Update on /scale) at 2026-11-26T10:32:00Z" */
export function describeWho(by: Attribution | null): string {
  if (!by) return "an unknown writer (a removed field keeps no owner in managedFields)";
  const how = `${by.manager}, ${by.operation}${by.subresource ? ` on /${by.subresource}` : ""}`;
  const when = by.time ? ` at ${by.time}` : "";
  if (isHuman(by)) return `a person with ${by.manager.split("-")[0]} (${how})${when}`;
  return `the field manager "${by.manager}" (${how})${when}`;
}

/** The attribution that best speaks for a set of changes: the first with an owner. */
export function mainAttribution(changes: Change[]): Attribution | null {
  return changes.find((c) => c.by !== null)?.by ?? null;
}

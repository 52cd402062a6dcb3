// Short human phrases for refs, values and changes, shared by the rule verdicts.
import type { Change, ObjectRef } from "../../drift/types.js";

export function refLabel(ref: ObjectRef): string {
  return `${ref.kind} ${ref.namespace ? `${ref.namespace}/` : ""}${ref.name}`;
}

export function formatValue(v: unknown, max = 80): string {
  if (v === undefined) return "(unset)";
  const s = typeof v === "string" ? v : JSON.stringify(v);
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

/** "spec.replicas changed from 2 to 5" */
export function describeChange(c: Change, withValues = true): string {
  if (c.masked) return `${c.field} ${c.type} (secret value, withheld)`;
  if (!withValues) return `${c.field} ${c.type}`;
  switch (c.type) {
    case "changed":
      return `${c.field} changed from ${formatValue(c.desired)} to ${formatValue(c.live)}`;
    case "added":
      return `${c.field} added (${formatValue(c.live)})`;
    case "removed":
      return `${c.field} removed (was ${formatValue(c.desired)})`;
  }
}

export function listChanges(changes: Change[], withValues = true, max = 3): string {
  const shown = changes.slice(0, max).map((c) => describeChange(c, withValues));
  const more = changes.length > max ? ` and ${changes.length - max} more` : "";
  return `${shown.join("; ")}${more}`;
}

/** The tag of an image reference (after the last ':' of the last path segment), or undefined. */
export function imageTag(image: unknown): string | undefined {
  if (typeof image !== "string") return undefined;
  const last = image.split("@")[0].split("/").pop() ?? "";
  const i = last.lastIndexOf(":");
  return i >= 0 ? last.slice(i + 1) : undefined;
}

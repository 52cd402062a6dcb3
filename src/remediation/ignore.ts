// `ignore` as a rule: the record's paths (or the ones asked for) on this one resource, in the engine's IgnoreRule
// format (docs/ignore-rules.md), so the next detection lists them as ignored rather than drift.

import { describeRef } from "../detector/records.js";
import type { IgnoreRule } from "../drift/engine.js";
import { type ActionRequest, type DriftRecordView, RemediationError } from "./types.js";

export function ignoreRuleFor(record: DriftRecordView, request: ActionRequest): IgnoreRule {
  const paths = request.paths ?? record.changes.map((c) => c.path);
  if (paths.length === 0) throw new RemediationError(400, "ignore needs paths (the record names none)");
  const bad = paths.find((p) => typeof p !== "string" || !p.startsWith("/"));
  if (bad !== undefined)
    throw new RemediationError(400, `ignore path ${JSON.stringify(bad)} is not a JSON Pointer (/spec/replicas)`);
  const rule: IgnoreRule = {
    paths: [...new Set(paths)],
    kinds: [record.ref.kind],
    names: [record.ref.name],
    reason:
      request.reason?.trim() ||
      `ignored by ${request.actor} from drift record ${record.id} (${describeRef(record.ref)})`,
  };
  if (record.ref.namespace) rule.namespaces = [record.ref.namespace];
  return rule;
}

// `ignore`: snooze the record until a time (`until`), or add an ignore rule for its paths on this one resource, in
// the engine's IgnoreRule format (docs/ignore-rules.md), so the next detection lists them as ignored, not drift.

import { describeRef } from "../detector/records.js";
import type { IgnoreRule } from "../drift/engine.js";
import { parseDuration } from "../lib/duration.js";
import { type Action, type ActionRequest, type DriftRecordView, RemediationError } from "./types.js";

/** The verb: a snooze with `until`, else a rule; a preview says which, and writes nothing. */
export const ignore: Action = async ({ record, request, target, store, now, onIgnoreRule }) => {
  const base = { action: request.action, dryRun: request.dryRun, recordId: record.id };
  const what = describeRef(record.ref);
  if (request.until !== undefined) {
    const until = untilOf(request.until, now());
    if (!request.dryRun) await store.snooze(record.id, until, request.actor);
    const message = `${request.dryRun ? "would snooze" : "snoozed"} the drift of ${what} until ${until.toISOString()}`;
    return {
      result: { ...base, outcome: request.dryRun ? "previewed" : "succeeded", message },
      details: { until: until.toISOString() },
    };
  }
  const rule = ignoreRuleFor(record, request);
  if (request.dryRun) {
    return {
      result: { ...base, outcome: "previewed", message: `would ignore ${rule.paths?.join(", ")} on ${what}` },
      details: { rule },
    };
  }
  const ruleId = await store.addIgnoreRule(record.id, rule, request.actor);
  await onIgnoreRule?.();
  const state = await target.redetect(record, { reloadDesired: false });
  return {
    result: {
      ...base,
      outcome: "succeeded",
      message: `ignoring ${rule.paths?.join(", ")} on ${what} from now on${state === "resolved" ? "; the drift is resolved" : ""}`,
      recordState: state,
    },
    details: { rule, ruleId },
  };
};

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

/** A snooze's end: a time (ISO 8601) or a duration from now (2h, 30m); never in the past. */
function untilOf(text: string, now: Date): Date {
  const ms = parseDuration(text);
  const until = ms !== undefined ? new Date(now.getTime() + ms) : new Date(text);
  if (Number.isNaN(until.getTime()) || !/\d/.test(text)) {
    throw new RemediationError(
      400,
      `until=${JSON.stringify(text)} is neither a time (ISO 8601) nor a duration (2h, 30m)`,
    );
  }
  if (until.getTime() <= now.getTime()) throw new RemediationError(400, `until=${text} is in the past`);
  return until;
}

// The Remediator: one action on one drift record, checked against the mode, carried out, verified by
// re-detection, and audited (who, when, what, outcome) whatever happens.

import { describeRef } from "../detector/records.js";
import type { DesiredObject } from "../drift/types.js";
import { parseDuration } from "../lib/duration.js";
import { errorMessage } from "../lib/errors.js";
import { acceptDrift, type HubUnitAccess } from "./accept.js";
import { ignoreRuleFor } from "./ignore.js";
import { type RevertDeps, revertDrift } from "./revert.js";
import type { RemediationStore } from "./store.js";
import {
  type ActionRequest,
  type ActionResult,
  type DriftRecordView,
  REMEDIATION_ACTIONS,
  RemediationError,
  type RemediationMode,
  type Remediator,
} from "./types.js";

/** One watched cluster as remediation sees it (the service's ClusterDetector behind it). */
export interface RemediationTarget {
  kube: RevertDeps;
  /** Only the cluster's leader acts (its detector verifies the outcome); false on a follower. */
  leading?: boolean;
  /** The desired object for the record's resource as the source holds it now; undefined when no longer desired. */
  desiredObject(record: DriftRecordView): Promise<DesiredObject | undefined>;
  /**
   * Detects the record's resource now (reloading the desired state first when asked, after a hub write), lets the
   * tracker record the verdict, and says whether the record is now resolved.
   */
  redetect(record: DriftRecordView, opts: { reloadDesired: boolean }): Promise<"open" | "resolved">;
  /** For `accept`: the client of the hub a record's source names (hub or confighub). */
  hubFor?(source: DriftRecordView["source"]): HubUnitAccess | undefined;
}

export interface RemediatorOptions {
  mode: RemediationMode;
  records: { get(id: string): Promise<(DriftRecordView & { cluster?: string }) | undefined> };
  /** By the record's cluster name. */
  target(cluster: string | undefined): RemediationTarget | undefined;
  store: RemediationStore;
  now?: () => Date;
  /** After an ignore rule was stored: make the next detection use it. */
  onIgnoreRule?: () => Promise<void>;
}

export class DriftRemediator implements Remediator {
  readonly mode: RemediationMode;
  private readonly now: () => Date;
  /** One action per record at a time: two people clicking revert get one revert and one clear answer. */
  private readonly busy = new Set<string>();

  constructor(private readonly opts: RemediatorOptions) {
    this.mode = opts.mode;
    this.now = opts.now ?? (() => new Date());
  }

  async act(recordId: string, request: ActionRequest): Promise<ActionResult> {
    if (!REMEDIATION_ACTIONS.includes(request.action)) {
      throw new RemediationError(
        400,
        `unknown action ${JSON.stringify(request.action)}: expected revert, accept or ignore`,
      );
    }
    const record = await this.opts.records.get(recordId);
    if (!record) throw new RemediationError(404, `no drift record ${recordId}`);
    const audit = async (result: Omit<ActionResult, "auditId">, details: Record<string, unknown> = {}) => {
      const entry = await this.opts.store.audit({
        at: this.now(),
        actor: request.actor,
        action: request.action,
        dryRun: request.dryRun,
        recordId,
        resource: describeRef(record.ref),
        cluster: record.cluster ?? "",
        paths: record.changes.map((c) => c.path),
        outcome: result.outcome,
        message: result.message,
        details,
      });
      return { ...result, auditId: entry.id };
    };

    try {
      if (this.mode === "off") {
        throw new RemediationError(
          403,
          "remediation is off (DRIFT_REMEDIATION=off): drift is detected and reported only; set DRIFT_REMEDIATION=suggest to allow actions",
        );
      }
      if (record.status === "resolved") {
        throw new RemediationError(409, `drift record ${recordId} is resolved: nothing to ${request.action}`);
      }
      const target = this.opts.target(record.cluster);
      if (!target) throw new RemediationError(501, `cluster ${record.cluster ?? "(default)"} is not watched here`);
      if (target.leading === false) {
        throw new RemediationError(
          503,
          `this replica does not lead cluster ${record.cluster ?? "(default)"} right now; only the leader remediates: try again`,
        );
      }
      if (this.busy.has(recordId)) {
        throw new RemediationError(409, `another action on drift record ${recordId} is in progress`);
      }
      this.busy.add(recordId);
      try {
        const { result, details } = await this.run(record, request, target);
        return await audit(result, details);
      } finally {
        this.busy.delete(recordId);
      }
    } catch (err) {
      const failure =
        err instanceof RemediationError
          ? err
          : new RemediationError(
              502,
              `${request.action} of ${describeRef(record.ref)} failed: ${errorMessage(err)}`,
              "failed",
            );
      await audit({
        action: request.action,
        dryRun: request.dryRun,
        recordId,
        outcome: failure.outcome,
        message: failure.message,
      }).catch(() => {});
      throw failure;
    }
  }

  private async run(
    record: DriftRecordView,
    request: ActionRequest,
    target: RemediationTarget,
  ): Promise<{ result: Omit<ActionResult, "auditId">; details: Record<string, unknown> }> {
    const base = { action: request.action, dryRun: request.dryRun, recordId: record.id };
    const what = describeRef(record.ref);
    switch (request.action) {
      case "revert": {
        const desired = await target.desiredObject(record);
        if (!desired)
          throw new RemediationError(409, `${what} is no longer in the desired state: nothing to revert to`);
        const out = await revertDrift(target.kube, record, desired, request.dryRun);
        const details = { fields: out.fields, removed: out.removed, created: out.created };
        if (request.dryRun) {
          const message = out.created
            ? `would create ${what} from the desired state`
            : `would change ${out.fields.length} field(s) of ${what} back to the desired state`;
          return { result: { ...base, outcome: "previewed", message, fields: out.fields }, details };
        }
        const state = await target.redetect(record, { reloadDesired: false });
        if (state !== "resolved") {
          return {
            result: {
              ...base,
              outcome: "failed",
              message: `reverted ${what}, but re-detection still finds drift (another writer, or a field the hub cannot own?)`,
              fields: out.fields,
              recordState: state,
            },
            details,
          };
        }
        return {
          result: {
            ...base,
            outcome: "succeeded",
            message: `reverted ${what}; the drift is resolved`,
            fields: out.fields,
            recordState: state,
          },
          details,
        };
      }
      case "accept": {
        const out = await acceptDrift(target.hubFor?.(record.source), record, request.actor, request.dryRun);
        const src = record.source.type === "file" ? "" : `${record.source.space}/${record.source.unit}`;
        const details = { revision: out.revision, unit: src, description: out.description };
        if (request.dryRun) {
          return {
            result: {
              ...base,
              outcome: "previewed",
              message: `would write revision ${out.revision} of ${src} with the live values`,
              diff: out.diff,
              revision: out.revision,
            },
            details,
          };
        }
        const state = await target.redetect(record, { reloadDesired: true });
        return {
          result: {
            ...base,
            outcome: state === "resolved" ? "succeeded" : "failed",
            message:
              state === "resolved"
                ? `accepted into ${src} as revision ${out.revision}; the drift is resolved`
                : `wrote revision ${out.revision} of ${src}, but re-detection still finds drift (is the new revision the one compared?)`,
            diff: out.diff,
            revision: out.revision,
            recordState: state,
          },
          details,
        };
      }
      case "ignore": {
        if (request.until !== undefined) {
          const until = this.untilOf(request.until);
          if (!request.dryRun) await this.opts.store.snooze(record.id, until, request.actor);
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
        const ruleId = await this.opts.store.addIgnoreRule(record.id, rule, request.actor);
        await this.opts.onIgnoreRule?.();
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
      }
    }
  }

  private untilOf(text: string): Date {
    const ms = parseDuration(text);
    const until = ms !== undefined ? new Date(this.now().getTime() + ms) : new Date(text);
    if (Number.isNaN(until.getTime()) || !/\d/.test(text)) {
      throw new RemediationError(
        400,
        `until=${JSON.stringify(text)} is neither a time (ISO 8601) nor a duration (2h, 30m)`,
      );
    }
    if (until.getTime() <= this.now().getTime()) throw new RemediationError(400, `until=${text} is in the past`);
    return until;
  }
}

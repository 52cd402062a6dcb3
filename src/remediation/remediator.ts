// The Remediator is the gate every action passes: the mode, the record's state, the cluster's leader, one action per
// record at a time, and the audit (who, when, what, outcome) whatever happens. The verbs themselves are in the table.

import { describeRef } from "../detector/records.js";
import { errorMessage } from "../lib/errors.js";
import { accept } from "./accept.js";
import { ignore } from "./ignore.js";
import { revert } from "./revert.js";
import type { RemediationStore } from "./store.js";
import {
  type Action,
  type ActionRequest,
  type ActionResult,
  type DriftRecordView,
  REMEDIATION_ACTIONS,
  type RemediationAction,
  RemediationError,
  type RemediationMode,
  type RemediationTarget,
  type Remediator,
} from "./types.js";

/** The verbs, each whole in its own file (preview and effect); the gate below is the same for all. */
const ACTIONS: Record<RemediationAction, Action> = { revert, accept, ignore };

export interface RemediatorOptions {
  mode: RemediationMode;
  records: { get(id: string): Promise<(DriftRecordView & { cluster?: string }) | undefined> };
  /** By the record's cluster name (and the record: one cluster may be several shards). */
  target(cluster: string | undefined, record: DriftRecordView): RemediationTarget | undefined;
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
      const target = this.opts.target(record.cluster, record);
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
        const { result, details } = await ACTIONS[request.action]({
          record,
          request,
          target,
          now: this.now,
          store: this.opts.store,
          onIgnoreRule: this.opts.onIgnoreRule,
        });
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
}

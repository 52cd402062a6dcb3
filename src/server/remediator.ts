// What POST /api/drifts/{id}/actions calls. The remediation issue provides the implementation; until then the
// endpoint answers 501 "remediation is not enabled".
import type { DriftRecord } from "../detector/records.js";

export type RemediationAction = "revert" | "accept" | "ignore";

export interface RemediationRequest {
  record: DriftRecord;
  action: RemediationAction;
  dryRun: boolean;
  /** Who approves the action (audit, hub revision description). */
  actor?: string;
  /** ignore: snooze until this time or for this long; or ignore these paths, for this reason. */
  until?: string;
  paths?: string[];
  reason?: string;
}

export interface RemediationOutcome {
  action: RemediationAction;
  dryRun: boolean;
  /** What was (or would be) done, for people. */
  message: string;
  [detail: string]: unknown;
}

export interface Remediator {
  remediate(req: RemediationRequest): Promise<RemediationOutcome>;
}

// Plain-data builders shared by tests: a Change, a ResourceResult and a drift record as remediation sees it, each
// with everyday defaults (a Deployment's replicas scaled from 2 to 5 with kubectl) that a test overrides.
import type { Change, ResourceResult } from "../../src/drift/types.js";
import type { DriftRecordView } from "../../src/remediation/types.js";

export const aChange = (over: Partial<Change> = {}): Change => ({
  path: "/spec/replicas",
  field: "spec.replicas",
  type: "changed",
  desired: 2,
  live: 5,
  masked: false,
  severity: "medium",
  by: { manager: "kubectl-scale", operation: "Update", subresource: "scale", time: null },
  ...over,
});

export const aResult = (over: Partial<ResourceResult> = {}): ResourceResult => ({
  ref: { apiVersion: "apps/v1", kind: "Deployment", namespace: "ns", name: "backend" },
  source: { type: "file", path: "s.yaml", document: 1 },
  status: "Drifted",
  severity: "medium",
  changes: [aChange()],
  ignored: [],
  ...over,
});

export const aRecordView = (over: Partial<DriftRecordView> = {}): DriftRecordView => ({
  id: "r1",
  status: "open",
  ref: { apiVersion: "apps/v1", kind: "Deployment", namespace: "qa", name: "backend" },
  source: { type: "hub", space: "qa", unit: "backend", revision: 3 },
  resourceStatus: "Drifted",
  severity: "medium",
  changes: [],
  ignored: [],
  ...over,
});

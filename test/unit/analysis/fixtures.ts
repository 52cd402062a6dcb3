// ResourceResults shaped like the engine's verdicts for the shared scenarios (/work/shared/scenarios).
import { driftFingerprint } from "../../../src/analysis/fingerprint.js";
import type { AnalysisContext, AnalysisRequest } from "../../../src/analysis/types.js";
import type { Attribution, Change, ResourceResult, Severity } from "../../../src/drift/types.js";

export const kubectl = (manager = "kubectl-edit", subresource = ""): Attribution => ({
  manager,
  operation: "Update",
  subresource,
  time: "2026-11-26T10:32:00Z",
});

function change(c: Partial<Change> & Pick<Change, "path" | "field" | "type">): Change {
  return { masked: false, severity: "medium", by: kubectl(), ...c };
}

function deployment(changes: Change[], severity: Severity, name = "backend"): ResourceResult {
  return {
    ref: { apiVersion: "apps/v1", kind: "Deployment", namespace: "qa", name },
    source: { type: "hub", space: "acorn-bear-qa", unit: name, revision: 7 },
    status: "Drifted",
    severity,
    changes,
    ignored: [],
  };
}

export const scenarios = {
  manualScale: deployment(
    [
      change({
        path: "/spec/replicas",
        field: "spec.replicas",
        type: "changed",
        desired: 2,
        live: 5,
        by: kubectl("kubectl-scale", "scale"),
      }),
    ],
    "medium",
  ),
  imageHotfix: deployment(
    [
      change({
        path: "/spec/template/spec/containers/0/image",
        field: "spec.template.spec.containers[name=backend].image",
        type: "changed",
        desired: "ghcr.io/confighubai/cubbychat/backend:1.1.1",
        live: "ghcr.io/confighubai/cubbychat/backend:1.1.2-hotfix",
        severity: "high",
        by: kubectl("kubectl-set"),
      }),
    ],
    "high",
  ),
  privilegedAdded: deployment(
    [
      change({
        path: "/spec/template/spec/containers/0/securityContext/privileged",
        field: "spec.template.spec.containers[name=backend].securityContext.privileged",
        type: "added",
        live: true,
        severity: "critical",
        by: kubectl("kubectl-patch"),
      }),
    ],
    "critical",
  ),
  envAdded: deployment(
    [
      change({
        path: "/spec/template/spec/containers/0/env/1",
        field: "spec.template.spec.containers[name=backend].env[name=FEATURE_X]",
        type: "added",
        live: { name: "FEATURE_X", value: "enabled" },
        by: kubectl("kubectl-set"),
      }),
    ],
    "medium",
  ),
  limitsRemoved: deployment(
    [
      change({
        path: "/spec/template/spec/containers/0/resources/limits",
        field: "spec.template.spec.containers[name=backend].resources.limits",
        type: "removed",
        desired: { cpu: "1", memory: "1Gi" },
        by: null,
      }),
    ],
    "medium",
  ),
  labelAdded: deployment(
    [
      change({
        path: "/metadata/labels/team",
        field: "metadata.labels.team",
        type: "added",
        live: "payments",
        severity: "low",
        by: kubectl("kubectl-label"),
      }),
    ],
    "low",
  ),
  rbacWidened: {
    ref: { apiVersion: "rbac.authorization.k8s.io/v1", kind: "Role", namespace: "qa", name: "reader" },
    source: { type: "hub", space: "acorn-bear-qa", unit: "reader", revision: 3 },
    status: "Drifted",
    severity: "critical",
    changes: [
      change({
        path: "/rules/0/verbs/3",
        field: "rules[0].verbs[3]",
        type: "added",
        live: "delete",
        severity: "critical",
        by: kubectl("kubectl-patch"),
      }),
    ],
    ignored: [],
  } satisfies ResourceResult,
  deletedObject: {
    ref: { apiVersion: "v1", kind: "ConfigMap", namespace: "qa", name: "settings" },
    source: { type: "hub", space: "acorn-bear-qa", unit: "settings", revision: 2 },
    status: "Missing",
    severity: "critical",
    changes: [],
    ignored: [],
  } satisfies ResourceResult,
  secretChangedMasked: {
    ref: { apiVersion: "v1", kind: "Secret", namespace: "qa", name: "db-credentials" },
    source: { type: "hub", space: "acorn-bear-qa", unit: "db-credentials", revision: 1 },
    status: "Drifted",
    severity: "high",
    changes: [
      change({
        path: "/data/PASSWORD",
        field: "data.PASSWORD",
        type: "changed",
        desired: "***a1b2c3",
        live: "***d4e5f6",
        masked: true,
        severity: "high",
        by: kubectl("kubectl-patch"),
      }),
    ],
    ignored: [],
  } satisfies ResourceResult,
  serviceTargetPort: {
    ref: { apiVersion: "v1", kind: "Service", namespace: "qa", name: "backend" },
    source: { type: "hub", space: "acorn-bear-qa", unit: "backend-svc", revision: 1 },
    status: "Drifted",
    severity: "high",
    changes: [
      change({
        path: "/spec/ports/0/targetPort",
        field: "spec.ports[name=http].targetPort",
        type: "changed",
        desired: 8080,
        live: 9090,
        severity: "high",
        by: kubectl("kubectl-patch"),
      }),
    ],
    ignored: [],
  } satisfies ResourceResult,
  configMapEdited: {
    ref: { apiVersion: "v1", kind: "ConfigMap", namespace: "qa", name: "settings" },
    source: { type: "hub", space: "acorn-bear-qa", unit: "settings", revision: 2 },
    status: "Drifted",
    severity: "medium",
    changes: [
      change({
        path: "/data/LOG_LEVEL",
        field: "data.LOG_LEVEL",
        type: "changed",
        desired: "info",
        live: "debug",
        by: kubectl("kubectl-patch"),
      }),
    ],
    ignored: [],
  } satisfies ResourceResult,
};

export function annotationDrift(text: string, name = "backend"): ResourceResult {
  return deployment(
    [
      change({
        path: "/metadata/annotations/note",
        field: "metadata.annotations.note",
        type: "added",
        live: text,
        severity: "low",
        by: kubectl("kubectl-annotate"),
      }),
    ],
    "low",
    name,
  );
}

export function request(result: ResourceResult, context?: AnalysisContext): AnalysisRequest {
  return { result, fingerprint: driftFingerprint(result), context };
}

export const PROD: AnalysisContext = {
  unit: { space: "acorn-bear-prod", unit: "backend", revision: 9, spaceLabels: { env: "prod" } },
};

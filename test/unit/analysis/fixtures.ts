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

/** A Drifted verdict on an object in namespace qa, declared by `unit` of hub space acorn-bear-qa. */
function drifted(
  object: { apiVersion: string; kind: string; name: string },
  unit: { unit: string; revision: number },
  severity: Severity,
  changes: Change[],
): ResourceResult {
  return {
    ref: { apiVersion: object.apiVersion, kind: object.kind, namespace: "qa", name: object.name },
    source: { type: "hub", space: "acorn-bear-qa", unit: unit.unit, revision: unit.revision },
    status: "Drifted",
    severity,
    changes,
    ignored: [],
  };
}

function deployment(changes: Change[], severity: Severity, name = "backend"): ResourceResult {
  return drifted({ apiVersion: "apps/v1", kind: "Deployment", name }, { unit: name, revision: 7 }, severity, changes);
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
  rbacWidened: drifted(
    { apiVersion: "rbac.authorization.k8s.io/v1", kind: "Role", name: "reader" },
    { unit: "reader", revision: 3 },
    "critical",
    [
      change({
        path: "/rules/0/verbs/3",
        field: "rules[0].verbs[3]",
        type: "added",
        live: "delete",
        severity: "critical",
        by: kubectl("kubectl-patch"),
      }),
    ],
  ),
  deletedObject: {
    ref: { apiVersion: "v1", kind: "ConfigMap", namespace: "qa", name: "settings" },
    source: { type: "hub", space: "acorn-bear-qa", unit: "settings", revision: 2 },
    status: "Missing",
    severity: "critical",
    changes: [],
    ignored: [],
  } satisfies ResourceResult,
  secretChangedMasked: drifted(
    { apiVersion: "v1", kind: "Secret", name: "db-credentials" },
    { unit: "db-credentials", revision: 1 },
    "high",
    [
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
  ),
  serviceTargetPort: drifted(
    { apiVersion: "v1", kind: "Service", name: "backend" },
    { unit: "backend-svc", revision: 1 },
    "high",
    [
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
  ),
  configMapEdited: drifted(
    { apiVersion: "v1", kind: "ConfigMap", name: "settings" },
    { unit: "settings", revision: 2 },
    "medium",
    [
      change({
        path: "/data/LOG_LEVEL",
        field: "data.LOG_LEVEL",
        type: "changed",
        desired: "info",
        live: "debug",
        by: kubectl("kubectl-patch"),
      }),
    ],
  ),
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

const base64 = (s: string) => Buffer.from(s).toString("base64");

/** Drift carrying secrets in clear, as if the engine's masking had missed them: none of it may reach a model. */
export const unmasked = {
  /** The Secret's data change, unmasked (base64, as in the object). */
  secretData: {
    ...scenarios.secretChangedMasked.changes[0],
    masked: false,
    desired: base64("s3cret-value"),
    live: base64("hunter2-value"),
  },
  /** Env vars with a password, a token and a URL holding a password. */
  envChanges: [
    {
      ...scenarios.envAdded.changes[0],
      field: "spec.template.spec.containers[name=backend].env[name=DB_PASSWORD]",
      live: { name: "DB_PASSWORD", value: "db-pass-Xy9!" },
    },
    {
      ...scenarios.envAdded.changes[0],
      path: "/spec/template/spec/containers/0/env/2/value",
      field: "spec.template.spec.containers[name=backend].env[name=GITHUB_TOKEN].value",
      type: "changed" as const,
      desired: "ghp_abcdefghijklmnopqrstuvwxyz0123456789",
      live: "hunter2-value",
    },
    {
      ...scenarios.envAdded.changes[0],
      path: "/spec/template/spec/containers/0/env/3",
      field: "spec.template.spec.containers[name=backend].env[name=DATABASE_URL]",
      live: { name: "DATABASE_URL", value: "postgres://chat:password-in-url@db:5432/chat" },
    },
  ] satisfies Change[],
  /** Every secret value in the two above, plain and base64. */
  values: [
    "s3cret-value",
    "hunter2-value",
    base64("s3cret-value"),
    base64("hunter2-value"),
    "db-pass-Xy9!",
    "ghp_abcdefghijklmnopqrstuvwxyz0123456789",
    "password-in-url",
  ],
};

// The ValidatingWebhookConfiguration that sends the apiserver's writes of the desired kinds to the detector: it
// never blocks (failurePolicy Ignore, a short timeout), has no side effects, and skips the writes of the detector
// itself and of the control plane's controllers, which are not people.
import type { ResourceInfo } from "../kube/discovery.js";

export const WEBHOOK_CONFIGURATION_NAME = "drift-detector-identity";
export const WEBHOOK_NAME = "identity.drift-detector.io";
export const WEBHOOK_TIMEOUT_SECONDS = 2;

export interface WebhookTarget {
  /** DRIFT_ADMISSION_URL; else the Service below. */
  url?: string;
  service: { namespace: string; name: string; port: number };
  /** The PEM bundle the apiserver trusts. */
  caBundle: string;
  /** The detector's own username (its writes are not sent), when known. */
  selfUsername?: string;
}

/** The control plane's own users: controllers (as kube-system service accounts or as the manager), nodes. */
const CONTROL_PLANE_CONDITIONS = [
  {
    name: "not-kube-system-service-accounts",
    expression: "!request.userInfo.username.startsWith('system:serviceaccount:kube-system:')",
  },
  {
    name: "not-control-plane-components",
    expression:
      "!(request.userInfo.username in ['system:kube-controller-manager', 'system:kube-scheduler', 'system:apiserver']) && !request.userInfo.username.startsWith('system:node:')",
  },
];

export interface WatchedScope {
  resources: readonly ResourceInfo[];
  /** The namespaces of the desired objects (cluster-scoped kinds are sent whatever their namespace). */
  namespaces: readonly string[];
}

export function webhookConfiguration({ resources, namespaces }: WatchedScope, target: WebhookTarget): object {
  const byGroupVersion = new Map<string, { group: string; version: string; resources: Set<string> }>();
  for (const r of resources) {
    const key = `${r.group}/${r.version}`;
    const entry = byGroupVersion.get(key) ?? { group: r.group, version: r.version, resources: new Set<string>() };
    entry.resources.add(r.plural).add(`${r.plural}/scale`);
    byGroupVersion.set(key, entry);
  }
  const rules = [...byGroupVersion.values()]
    .sort((a, b) => `${a.group}/${a.version}`.localeCompare(`${b.group}/${b.version}`))
    .map((e) => ({
      apiGroups: [e.group],
      apiVersions: [e.version],
      resources: [...e.resources].sort(),
      operations: ["CREATE", "UPDATE", "DELETE"],
      scope: "*",
    }));
  const caBundle = Buffer.from(target.caBundle).toString("base64");
  const selfCondition = target.selfUsername
    ? [{ name: "not-the-detector", expression: `request.userInfo.username != ${celString(target.selfUsername)}` }]
    : [];
  return {
    apiVersion: "admissionregistration.k8s.io/v1",
    kind: "ValidatingWebhookConfiguration",
    metadata: { name: WEBHOOK_CONFIGURATION_NAME, labels: { "app.kubernetes.io/name": "drift-detector" } },
    webhooks: [
      {
        name: WEBHOOK_NAME,
        clientConfig: target.url
          ? { url: target.url, caBundle }
          : { service: { ...target.service, path: "/validate" }, caBundle },
        rules,
        namespaceSelector: {
          matchExpressions: [{ key: "kubernetes.io/metadata.name", operator: "In", values: [...namespaces] }],
        },
        // Equivalent: a write through another version of the same kind (extensions → apps) is sent too.
        matchPolicy: "Equivalent",
        matchConditions: [...selfCondition, ...CONTROL_PLANE_CONDITIONS],
        failurePolicy: "Ignore",
        sideEffects: "None",
        timeoutSeconds: WEBHOOK_TIMEOUT_SECONDS,
        admissionReviewVersions: ["v1"],
      },
    ],
  };
}

function celString(s: string): string {
  return `'${s.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
}

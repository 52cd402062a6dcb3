import { describe, expect, it } from "vitest";
import { describeChangedBy, withholdPerson } from "../../../src/identity/personal-data.js";
import type { ChangedBy } from "../../../src/identity/types.js";
import { webhookConfiguration } from "../../../src/identity/webhook-config.js";
import type { ResourceInfo } from "../../../src/kube/discovery.js";

const info = (group: string, version: string, kind: string, plural: string): ResourceInfo => ({
  group,
  version,
  apiVersion: group ? `${group}/${version}` : version,
  kind,
  plural,
  namespaced: true,
  verbs: [],
});

const scope = {
  resources: [info("apps", "v1", "Deployment", "deployments"), info("", "v1", "ConfigMap", "configmaps")],
  namespaces: ["qa"],
};
const service = { namespace: "devops-apps", name: "drift-detector", port: 8443 };

// biome-ignore lint/suspicious/noExplicitAny: reading the configuration
type Any = any;

describe("webhookConfiguration", () => {
  it("fails open, has no side effects, a short timeout, and rules for the kinds and their scale", () => {
    const [hook] = (webhookConfiguration(scope, { service, caBundle: "PEM" }) as Any).webhooks;
    expect(hook).toMatchObject({
      failurePolicy: "Ignore",
      sideEffects: "None",
      timeoutSeconds: 2,
      admissionReviewVersions: ["v1"],
    });
    expect(hook.rules).toEqual([
      {
        apiGroups: [""],
        apiVersions: ["v1"],
        resources: ["configmaps", "configmaps/scale"],
        operations: ["CREATE", "UPDATE", "DELETE"],
        scope: "*",
      },
      {
        apiGroups: ["apps"],
        apiVersions: ["v1"],
        resources: ["deployments", "deployments/scale"],
        operations: ["CREATE", "UPDATE", "DELETE"],
        scope: "*",
      },
    ]);
    expect(hook.namespaceSelector.matchExpressions[0]).toEqual({
      key: "kubernetes.io/metadata.name",
      operator: "In",
      values: ["qa"],
    });
    expect(Buffer.from(hook.clientConfig.caBundle, "base64").toString()).toBe("PEM");
    expect(hook.clientConfig.service).toEqual({ ...service, path: "/validate" });
  });

  it("points at the URL when one is set, and skips the detector and the control plane", () => {
    const cfg = webhookConfiguration(scope, {
      service,
      url: "https://127.0.0.1:9443/validate",
      caBundle: "PEM",
      selfUsername: "system:serviceaccount:devops-apps:drift-detector",
    }) as Any;
    const [hook] = cfg.webhooks;
    expect(hook.clientConfig.url).toBe("https://127.0.0.1:9443/validate");
    expect(hook.clientConfig.service).toBeUndefined();
    const expressions = hook.matchConditions.map((c: { expression: string }) => c.expression).join("\n");
    expect(expressions).toContain("request.userInfo.username != 'system:serviceaccount:devops-apps:drift-detector'");
    expect(expressions).toContain("startsWith('system:serviceaccount:kube-system:')");
    expect(expressions).toContain("system:kube-controller-manager");
  });
});

describe("personal data", () => {
  const alice: ChangedBy = {
    known: true,
    person: { username: "alice", uid: "u1", groups: ["sre"] },
    via: "kubectl",
    operation: "UPDATE",
    subresource: "scale",
    at: "2026-12-03T10:42:00.000Z",
  };
  const rec = { id: "r1", changedBy: alice, history: [{ at: "t", changedBy: alice }, { at: "t2" }] };

  it("withholds the person from an unauthenticated reader, keeping that one is known and when", () => {
    const served = withholdPerson(rec);
    expect(JSON.stringify(served)).not.toContain("alice");
    expect(served.changedBy).toEqual({
      known: true,
      withheld: true,
      via: "kubectl",
      operation: "UPDATE",
      subresource: "scale",
      at: alice.at,
    });
    expect(served.history[1]).toEqual({ at: "t2" });
    expect(rec.changedBy).toBe(alice); // the record itself is untouched
  });

  it("describes a person, an unknown and nothing", () => {
    expect(describeChangedBy(alice)).toBe("alice (groups sre) via kubectl, UPDATE scale at 2026-12-03T10:42:00.000Z");
    expect(describeChangedBy({ known: false })).toBe("unknown");
    expect(describeChangedBy(undefined)).toBeUndefined();
  });
});

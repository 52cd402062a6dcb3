import { describe, expect, it } from "vitest";
import { patchTargets, type RbacTarget, rbacFor } from "../../../src/rbac/rules.js";

const targets: RbacTarget[] = [
  { group: "apps", plural: "deployments", namespaced: true, namespace: "shop", name: "web" },
  { group: "", plural: "configmaps", namespaced: true, namespace: "shop", name: "settings" },
  { group: "", plural: "secrets", namespaced: true, namespace: "shop", name: "db" },
  { group: "rbac.authorization.k8s.io", plural: "clusterroles", namespaced: false, name: "reader" },
];
const opts = { name: "drift-detector", leaseNamespace: "devops-apps", leaseName: "drift-detector" } as const;

// biome-ignore lint/suspicious/noExplicitAny: reading rules
type Any = any;
const rulesOf = (objects: Any[], kind: string, namespace?: string) =>
  objects.find((o) => o.kind === kind && o.metadata.namespace === namespace)?.rules;

describe("rbacFor", () => {
  it("client mode: read on exactly the units' kinds, namespaced where they are, Secrets by name, no wildcard", () => {
    const objects = rbacFor(targets, { ...opts, mode: "client" }) as Any[];
    expect(rulesOf(objects, "ClusterRole")).toEqual([
      { apiGroups: ["rbac.authorization.k8s.io"], resources: ["clusterroles"], verbs: ["get", "list", "watch"] },
      {
        apiGroups: ["apiextensions.k8s.io"],
        resources: ["customresourcedefinitions"],
        verbs: ["get", "list", "watch"],
      },
    ]);
    expect(rulesOf(objects, "Role", "shop")).toEqual([
      { apiGroups: [""], resources: ["configmaps"], verbs: ["get", "list", "watch"] },
      { apiGroups: ["apps"], resources: ["deployments"], verbs: ["get", "list", "watch"] },
      { apiGroups: [""], resources: ["secrets"], verbs: ["get", "list", "watch"], resourceNames: ["db"] },
      { apiGroups: ["autoscaling"], resources: ["horizontalpodautoscalers"], verbs: ["get", "list", "watch"] },
      { apiGroups: [""], resources: ["events"], verbs: ["create"] },
    ]);
    // Events of the cluster-scoped ClusterRole go to `default`.
    expect(rulesOf(objects, "Role", "default")).toHaveLength(2);
    const lease = objects.find((o) => o.metadata.name === "drift-detector-leader-election");
    expect(lease.metadata.namespace).toBe("devops-apps");
    expect(lease.rules[1].resourceNames).toEqual(["drift-detector"]);
    const text = JSON.stringify(objects);
    expect(text).not.toContain('"*"');
    expect(text).not.toMatch(/patch|nodes\/proxy|pods\/log|pods\/exec/);
    expect(objects.some((o) => o.kind.endsWith("Binding"))).toBe(false);
  });

  it("server mode adds patch and create on those kinds only, Secrets still by name; bindings on request", () => {
    const sa = { namespace: "devops-apps", name: "drift-detector" };
    const objects = rbacFor(targets, { ...opts, mode: "server", serviceAccount: sa }) as Any[];
    const shop = rulesOf(objects, "Role", "shop");
    expect(shop[1].verbs).toEqual(["get", "list", "watch", "create", "patch"]);
    expect(shop[2]).toEqual({
      apiGroups: [""],
      resources: ["secrets"],
      verbs: ["get", "list", "watch", "patch"],
      resourceNames: ["db"],
    });
    const binding = objects.find((o) => o.kind === "RoleBinding" && o.metadata.namespace === "shop");
    expect(binding.roleRef).toEqual({ apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "drift-detector" });
    expect(binding.subjects).toEqual([{ kind: "ServiceAccount", ...sa }]);
  });

  it("the Lease by name, or with --sharding any Lease of the detector's namespace (members and shards)", () => {
    const leaseRules = (sharding: boolean) =>
      (rbacFor(targets, { ...opts, mode: "client", sharding }) as Any[]).find(
        (o) => o.metadata.name === "drift-detector-leader-election",
      ).rules;
    expect(leaseRules(false)).toEqual([
      { apiGroups: ["coordination.k8s.io"], resources: ["leases"], verbs: ["create"] },
      {
        apiGroups: ["coordination.k8s.io"],
        resources: ["leases"],
        verbs: ["get", "update"],
        resourceNames: ["drift-detector"],
      },
    ]);
    expect(leaseRules(true)).toEqual([
      { apiGroups: ["coordination.k8s.io"], resources: ["leases"], verbs: ["create"] },
      { apiGroups: ["coordination.k8s.io"], resources: ["leases"], verbs: ["get", "list", "update", "delete"] },
    ]);
  });

  it("patchTargets: one review per kind and namespace", () => {
    expect(patchTargets(targets)).toEqual([
      { group: "apps", resource: "deployments", namespace: "shop" },
      { group: "", resource: "configmaps", namespace: "shop" },
      { group: "", resource: "secrets", namespace: "shop" },
      { group: "rbac.authorization.k8s.io", resource: "clusterroles" },
    ]);
  });
});

describe("rbacFor with identity", () => {
  it("adds only its own ValidatingWebhookConfiguration, by name where a name can be given", () => {
    const without = rulesOf(rbacFor(targets, { ...opts, mode: "client" }) as Any[], "ClusterRole");
    const withIt = rulesOf(rbacFor(targets, { ...opts, mode: "client", identity: true }) as Any[], "ClusterRole");
    expect(withIt.slice(0, without.length)).toEqual(without);
    expect(withIt.slice(without.length)).toEqual([
      {
        apiGroups: ["admissionregistration.k8s.io"],
        resources: ["validatingwebhookconfigurations"],
        verbs: ["create"],
      },
      {
        apiGroups: ["admissionregistration.k8s.io"],
        resources: ["validatingwebhookconfigurations"],
        verbs: ["get", "patch", "update"],
        resourceNames: ["drift-detector-identity"],
      },
    ]);
  });
});

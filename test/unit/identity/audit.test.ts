// Audit events as the apiserver's webhook backend posts them (audit.k8s.io/v1 EventList, RequestResponse level),
// reduced to the writes correlation uses.
import { describe, expect, it } from "vitest";
import { writesFromAudit } from "../../../src/identity/audit.js";
import { digestAt } from "../../../src/identity/changed-paths.js";

const T = "2026-12-03T10:42:00.123456Z";
const alice = { username: "alice@example.com", uid: "u-alice", groups: ["sre", "system:authenticated"] };
const deployment = {
  kind: "Deployment",
  metadata: { name: "web", namespace: "shop", uid: "dep-1", managedFields: [{ manager: "kubectl-edit", time: T }] },
  spec: { replicas: 3, template: { spec: { containers: [{ name: "web", image: "web:2" }] } } },
};
const event = (over: Record<string, unknown>) => ({
  kind: "Event",
  apiVersion: "audit.k8s.io/v1",
  level: "RequestResponse",
  stage: "ResponseComplete",
  verb: "patch",
  requestURI: "/apis/apps/v1/namespaces/shop/deployments/web?fieldManager=kubectl-patch",
  user: alice,
  objectRef: { resource: "deployments", namespace: "shop", name: "web", apiGroup: "apps", apiVersion: "v1" },
  responseStatus: { code: 200 },
  requestObject: { spec: { replicas: 3 } },
  responseObject: deployment,
  stageTimestamp: T,
  ...over,
});
const list = (...items: unknown[]) => ({ kind: "EventList", apiVersion: "audit.k8s.io/v1", items });

describe("writesFromAudit", () => {
  it("reduces a completed patch to the person, manager, the paths it set and what it left there", () => {
    const [w] = writesFromAudit(list(event({})), 0);
    expect(w).toEqual({
      user: alice,
      operation: "UPDATE",
      subresource: "",
      manager: "kubectl-patch",
      dryRun: false,
      objectUid: "dep-1",
      objectRef: "apps|Deployment|shop|web",
      paths: ["/spec/replicas"],
      digests: { "/spec/replicas": digestAt(deployment, "/spec/replicas") },
      at: Date.parse(T),
    });
  });

  it("reads a scale through its subresource, a JSON patch's operations, and cuts a strategic merge at its lists", () => {
    const scale = event({
      objectRef: { resource: "deployments", namespace: "shop", name: "web", apiGroup: "apps", subresource: "scale" },
      requestURI: "/apis/apps/v1/namespaces/shop/deployments/web/scale",
      requestObject: { spec: { replicas: 5 } },
      responseObject: { kind: "Scale", metadata: { name: "web", uid: "dep-1" }, spec: { replicas: 5 } },
    });
    const json = event({
      requestObject: [
        { op: "replace", path: "/spec/replicas", value: 4 },
        { op: "add", path: "/spec/template/spec/containers/0/env/-", value: { name: "A", value: "1" } },
      ],
    });
    const smp = event({
      requestObject: {
        spec: {
          template: { spec: { $setElementOrder: [{ name: "web" }], containers: [{ name: "web", image: "web:3" }] } },
        },
      },
    });
    const [s, j, m] = writesFromAudit(list(scale, json, smp), 0);
    expect([s?.subresource, s?.manager, s?.objectUid, s?.paths]).toEqual(["scale", "", "dep-1", ["/spec/replicas"]]);
    expect(j?.paths).toEqual(["/spec/replicas", "/spec/template/spec/containers/0/env"]);
    expect(m?.paths).toEqual(["/spec/template/spec/containers"]);
    expect(m?.manager).toBe("kubectl-patch");
  });

  it("names the impersonated user, and keeps dry-runs marked (the buffer never stores them)", () => {
    const [w] = writesFromAudit(
      list(
        event({
          impersonatedUser: { username: "bob", groups: ["dev"] },
          requestURI: "/apis/apps/v1/namespaces/shop/deployments/web?dryRun=All",
        }),
      ),
      0,
    );
    expect(w?.user).toEqual({ username: "bob", uid: "", groups: ["dev"] });
    expect(w?.dryRun).toBe(true);
  });

  it("leaves out reads, other stages, failed writes, Status answers and what is not an EventList", () => {
    const out = writesFromAudit(
      list(
        event({ verb: "get" }),
        event({ stage: "ResponseStarted" }),
        event({ responseStatus: { code: 409 } }),
        event({ verb: "delete", responseObject: { kind: "Status", status: "Success" } }),
        event({ user: {} }),
      ),
      0,
    );
    expect(out).toEqual([]);
    expect(writesFromAudit({ items: "x" }, 0)).toEqual([]);
    expect(writesFromAudit(null, 0)).toEqual([]);
  });

  it("keeps a delete that answered the object, with no paths", () => {
    const [w] = writesFromAudit(list(event({ verb: "delete", requestObject: undefined })), 0);
    expect([w?.operation, w?.paths, w?.objectRef]).toEqual(["DELETE", [], "apps|Deployment|shop|web"]);
  });
});

import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { parse, parseAllDocuments } from "yaml";
import { loadExampleApp, parseEnvironments } from "../../../src/demo/environments.js";
import { applyOverrides } from "../../../src/demo/overrides.js";
import { groupSelfUnits } from "../../../src/demo/self-units.js";
import type { KubeObject } from "../../../src/drift/types.js";

const GLOBAL_APP = resolve(import.meta.dirname, "../../../examples/global-app");

// biome-ignore lint/suspicious/noExplicitAny: reading into parsed manifests
type Any = any;
const objectsOf = (data: string): Any[] => parseAllDocuments(data).map((d) => d.toJS());

describe("examples/global-app", () => {
  it("loads every unit named in environments.yaml, each a set of Kubernetes objects", async () => {
    const { units, environments } = await loadExampleApp(GLOBAL_APP);
    expect(units.map((u) => u.slug)).toEqual(["namespace", "postgres", "ollama", "backend", "frontend"]);
    expect(environments.environments.map((e) => `${e.upstream}->${e.name}`)).toEqual([
      "base->qa",
      "qa->staging",
      "staging->prod",
    ]);
    const backend = objectsOf(units.find((u) => u.slug === "backend")!.data).find((o) => o.kind === "Deployment");
    const container = backend.spec.template.spec.containers[0];
    expect(container.image).toBe("ghcr.io/confighubai/cubbychat/backend:1.1.1");
    expect(container.env.find((e: Any) => e.name === "DATABASE_URL").valueFrom.secretKeyRef.name).toBe("postgres");
    const postgres = objectsOf(units.find((u) => u.slug === "postgres")!.data).map((o) => o.kind);
    expect(postgres).toEqual(["Secret", "Service", "StatefulSet"]);
  });
});

describe("parseEnvironments", () => {
  it("refuses an upstream that is neither base nor an earlier environment, naming it", () => {
    const text =
      "units: [a]\nenvironments:\n  - {name: prod, upstream: staging}\n  - {name: staging, upstream: base}\n";
    expect(() => parseEnvironments(text)).toThrow('environment prod: upstream "staging" is not base or an earlier');
  });

  it("refuses a bad replica count with the field's path", () => {
    const text = "units: [a]\nenvironments:\n  - {name: qa, upstream: base, replicas: {backend: -1}}\n";
    expect(() => parseEnvironments(text)).toThrow(/environments\.0\.replicas\.backend/);
  });
});

describe("applyOverrides", () => {
  const data = `# the backend
apiVersion: v1
kind: Service
metadata:
  name: backend
  namespace: global-app
spec:
  ports: [{port: 80}]
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: backend
  namespace: global-app
spec:
  replicas: 1
  template:
    spec:
      containers:
        - name: backend
          image: backend:1
          env:
            - name: LOG_LEVEL
              valueFrom: {configMapKeyRef: {name: x, key: y}}
        - name: sidecar
          image: sidecar:1
`;

  it("moves every object to the namespace and sets replicas and env of the named workload and container", () => {
    const out = applyOverrides(data, "acorn-bear-qa", {
      replicas: { backend: 3, frontend: 2 },
      env: { backend: { LOG_LEVEL: "debug", EXTRA: "1" } },
    });
    const [service, deployment] = objectsOf(out);
    expect(service.metadata.namespace).toBe("acorn-bear-qa");
    expect(deployment.metadata.namespace).toBe("acorn-bear-qa");
    expect(deployment.spec.replicas).toBe(3);
    const [backend, sidecar] = deployment.spec.template.spec.containers;
    expect(backend.env).toEqual([
      { name: "LOG_LEVEL", value: "debug" },
      { name: "EXTRA", value: "1" },
    ]);
    expect(sidecar.env).toBeUndefined();
    expect(out).toContain("# the backend");
  });

  it("renames a Namespace object instead of namespacing it", () => {
    const out = applyOverrides("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: global-app\n", "acorn-bear-prod", {
      replicas: {},
      env: {},
    });
    expect(parse(out).metadata).toEqual({ name: "acorn-bear-prod" });
  });
});

describe("groupSelfUnits", () => {
  it("puts access rights, workload and monitoring in their own units, in apply order", () => {
    const obj = (kind: string, name = "drift-detector"): KubeObject => ({ apiVersion: "v1", kind, metadata: { name } });
    const units = groupSelfUnits([
      obj("ServiceMonitor"),
      obj("Deployment"),
      obj("ClusterRole", "drift-detector-read"),
      obj("Namespace", "devops-apps"),
      obj("ServiceAccount"),
      obj("ConfigMap"),
    ]);
    expect([...units.keys()]).toEqual(["namespace", "rbac", "drift-detector", "monitoring"]);
    expect(units.get("rbac")!.map((o) => o.kind)).toEqual(["ClusterRole", "ServiceAccount"]);
    expect(units.get("drift-detector")!.map((o) => o.kind)).toEqual(["Deployment", "ConfigMap"]);
  });
});

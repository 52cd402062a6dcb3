import { describe, expect, it } from "vitest";
import type { Change, ObjectRef } from "../../../src/drift/types.js";
import { unifiedDiff } from "../../../src/remediation/text-diff.js";
import { acceptIntoUnitData, itemSelectors, UnitEditError } from "../../../src/remediation/unit-edit.js";

const DATA = `# the backend of cubbychat
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  namespace: qa
data:
  mode: "fast"   # keep quoted
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: backend
  namespace: qa
  labels:
    app: backend
spec:
  replicas: 2 # chosen by the team
  template:
    spec:
      containers:
        - name: sidecar
          image: proxy:1
        - name: backend
          image: ghcr.io/cubbychat/backend:1.1.1
          env:
            - name: LOG_LEVEL
              value: info
            - name: REGION
              value: eu
`;

const ref: ObjectRef = { apiVersion: "apps/v1", kind: "Deployment", namespace: "qa", name: "backend" };
const change = (c: Partial<Change> & Pick<Change, "path" | "field" | "type">): Change => ({
  masked: false,
  severity: "medium",
  by: null,
  ...c,
});

describe("acceptIntoUnitData", () => {
  it("writes a changed env value into the right container by merge key, keeping comments and the other documents", () => {
    // live-side index 0 is the backend container (the live object lists it first)
    const out = acceptIntoUnitData(DATA, ref, [
      change({
        path: "/spec/template/spec/containers/0/env/0/value",
        field: "spec.template.spec.containers[name=backend].env[name=LOG_LEVEL].value",
        type: "changed",
        desired: "info",
        live: "debug",
      }),
    ]);
    expect(out).toContain("value: debug");
    expect(out).toContain("# the backend of cubbychat");
    expect(out).toContain("# chosen by the team");
    expect(out.split("---")[0]).toBe(DATA.split("---")[0]); // untouched document, byte for byte
    expect(out).toContain("image: proxy:1");
    expect(out.match(/value: info/g)).toBeNull();
  });

  it("adds a live-only env var, changes replicas and removes a field the live object lacks", () => {
    const out = acceptIntoUnitData(DATA, ref, [
      change({ path: "/spec/replicas", field: "spec.replicas", type: "changed", desired: 2, live: 5 }),
      change({
        path: "/spec/template/spec/containers/0/env/2",
        field: "spec.template.spec.containers[name=backend].env[name=DEBUG]",
        type: "added",
        live: { name: "DEBUG", value: "1" },
      }),
      change({
        path: "/spec/template/spec/containers/1/env/1",
        field: "spec.template.spec.containers[name=backend].env[name=REGION]",
        type: "removed",
        desired: { name: "REGION", value: "eu" },
      }),
      change({ path: "/metadata/labels/hotfix", field: "metadata.labels.hotfix", type: "added", live: "yes" }),
    ]);
    const deployment = out.split("---\n")[1]!;
    expect(deployment).toContain("replicas: 5 # chosen by the team");
    expect(deployment).toMatch(/- name: DEBUG\n\s+value: "1"/);
    expect(deployment).not.toContain("REGION");
    expect(deployment).toContain(`hotfix: "yes"`);
  });

  it("handles keys that are not identifiers and adds a missing list", () => {
    const out = acceptIntoUnitData(DATA, ref, [
      change({
        path: "/metadata/annotations/example.com~1owner",
        field: 'metadata.annotations["example.com/owner"]',
        type: "added",
        live: "team-a",
      }),
      change({
        path: "/spec/template/spec/containers/1/args",
        field: "spec.template.spec.containers[name=sidecar].args",
        type: "added",
        live: ["--verbose"],
      }),
    ]);
    expect(out).toContain("example.com/owner: team-a");
    expect(out).toMatch(/- name: sidecar\n\s+image: proxy:1\n\s+args:\n\s+- --verbose/);
  });

  it("refuses a unit that does not declare the object, and a list item that is not there", () => {
    expect(() => acceptIntoUnitData(DATA, { ...ref, name: "frontend" }, [])).toThrow(UnitEditError);
    expect(() =>
      acceptIntoUnitData(DATA, ref, [
        change({
          path: "/spec/template/spec/containers/0/image",
          field: "spec.template.spec.containers[name=worker].image",
          type: "changed",
          live: "x",
        }),
      ]),
    ).toThrow(/no such list item/);
  });

  it("keeps the document's flow style and does not fold long lines", () => {
    const flow = `apiVersion: apps/v1
kind: Deployment
metadata: {name: backend, namespace: qa, annotations: {note: "${"x".repeat(120)}"}}
spec:
  template:
    spec:
      containers: [{name: backend, env: [{name: LOG_LEVEL, value: info}]}]
`;
    const out = acceptIntoUnitData(flow, ref, [
      change({
        path: "/spec/template/spec/containers/0/env/0/value",
        field: "spec.template.spec.containers[name=backend].env[name=LOG_LEVEL].value",
        type: "changed",
        live: "debug",
      }),
    ]);
    expect(out).toBe(flow.replace("value: info", "value: debug"));
  });

  it("parses item selectors and skips quoted keys", () => {
    expect(itemSelectors('a["x.y/z"].b[name=c][containerPort=80,protocol=TCP][3]')).toEqual([
      "name=c",
      "containerPort=80,protocol=TCP",
      "3",
    ]);
  });
});

describe("unifiedDiff", () => {
  it("shows the changed line with context and line numbers", () => {
    const before = "a\nb\nc\nd\ne\nf\ng\nh\n";
    const after = "a\nb\nc\nd\nE\nf\ng\nh\n";
    expect(unifiedDiff(before, after, { context: 1 })).toBe("--- data\n+++ data\n@@ -4,3 +4,3 @@\n d\n-e\n+E\n f\n");
    expect(unifiedDiff(before, before)).toBe("");
  });
});

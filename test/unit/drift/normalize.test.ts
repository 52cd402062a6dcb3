import { describe, expect, it } from "vitest";
import { schemaFor } from "../../../src/drift/defaults.js";
import { compareObject } from "../../../src/drift/engine.js";
import { isEmpty, normalizeDesired, projectDeclared } from "../../../src/drift/normalize.js";
import type { KubeObject } from "../../../src/drift/types.js";
import { loadFixture } from "./fixtures.js";

describe("normalizeDesired", () => {
  it("turns Secret stringData into base64 data, stringData winning", () => {
    const s = {
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "x" },
      data: { A: "b2xk", B: "Yg==" },
      stringData: { A: "new", C: "ç" },
    } as KubeObject;
    const n = normalizeDesired(s);
    expect(n.stringData).toBeUndefined();
    expect(n.data).toEqual({ A: "bmV3", B: "Yg==", C: "w6c=" });
    expect(s.stringData).toEqual({ A: "new", C: "ç" }); // the input is not modified
  });

  it("leaves everything else as it is (same object)", () => {
    const cm = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "x" }, data: { a: "1" } } as KubeObject;
    expect(normalizeDesired(cm)).toBe(cm);
  });
});

describe("projectDeclared (server mode)", () => {
  it("keeps the desired shape with the server's values, matching list items by key", () => {
    const fx = loadFixture("story/edit-limits-removed");
    const projected = projectDeclared(fx.desired, fx.serverApplied, schemaFor("apps/v1", "Deployment")) as {
      spec: { template: { spec: { containers: Array<Record<string, unknown>> } }; strategy?: unknown };
    };
    const c = projected.spec.template.spec.containers[0];
    expect(c.resources).toEqual({ requests: { cpu: "500m", memory: "256Mi" }, limits: { cpu: "1", memory: "1Gi" } });
    expect(c.terminationMessagePath).toBeUndefined(); // a default, not declared
    expect(projected.spec.strategy).toBeUndefined();
    expect(c.ports).toEqual([{ containerPort: 8080 }]);
  });
});

describe("isEmpty", () => {
  it("null, {} and [] say nothing; 0, false and empty strings do", () => {
    expect([null, undefined, {}, []].map(isEmpty)).toEqual([true, true, true, true]);
    expect([0, false, "", [0], { a: 1 }].map(isEmpty)).toEqual([false, false, false, false, false]);
  });
});

describe("custom resources without a schema", () => {
  const cr = (items: unknown[], managers: KubeObject["metadata"]["managedFields"] = []) =>
    ({
      apiVersion: "example.com/v1",
      kind: "Widget",
      metadata: { name: "w", namespace: "n", managedFields: managers },
      spec: { items },
    }) as KubeObject;
  const compare = (desired: KubeObject, live: KubeObject) =>
    compareObject(
      {
        desired: {
          ref: { apiVersion: "example.com/v1", kind: "Widget", name: "w" },
          object: desired,
          source: { type: "file", path: "x" },
        },
        live,
        context: { hpas: [] },
      },
      { mode: "client" },
    );

  it("match list items by a unique name when every item has one", () => {
    const r = compare(
      cr([
        { name: "a", v: 1 },
        { name: "b", v: 2 },
      ]),
      cr([
        { name: "b", v: 2 },
        { name: "a", v: 3 },
      ]),
    );
    expect(r.changes).toMatchObject([{ path: "/spec/items/1/v", field: "spec.items[name=a].v", desired: 1, live: 3 }]);
  });

  it("otherwise compare position by position, or the whole list when lengths differ", () => {
    expect(compare(cr([1, 2]), cr([1, 3])).changes).toMatchObject([{ path: "/spec/items/1", desired: 2, live: 3 }]);
    expect(compare(cr([1, 2]), cr([1, 2, 3])).changes).toMatchObject([{ path: "/spec/items", live: [1, 2, 3] }]);
  });

  it("a live-only field is drift only for an imperative owner", () => {
    const live = cr([]);
    (live.spec as Record<string, unknown>).extra = "x";
    live.metadata.managedFields = [
      { manager: "some-controller", operation: "Update", fieldsV1: { "f:spec": { "f:extra": {} } } },
    ];
    expect(compare(cr([]), live).status).toBe("InSync");
    live.metadata.managedFields = [
      { manager: "kubectl-edit", operation: "Update", fieldsV1: { "f:spec": { "f:extra": {} } } },
    ];
    expect(compare(cr([]), live).changes).toMatchObject([
      { path: "/spec/extra", type: "added", by: { manager: "kubectl-edit" } },
    ]);
  });

  it("on an object without managedFields (no write attributed) a live-only field is drift by nobody", () => {
    const live = cr([]);
    (live.spec as Record<string, unknown>).extra = "x";
    expect(compare(cr([]), live).changes).toMatchObject([{ path: "/spec/extra", type: "added", by: null }]);
  });
});

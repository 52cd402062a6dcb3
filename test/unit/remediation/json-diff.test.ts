import { describe, expect, it } from "vitest";
import { getAt, removeAt } from "../../../src/lib/json-pointer.js";
import { diffObjects, maskSecretFields } from "../../../src/remediation/json-diff.js";
import { sortForRemoval } from "../../../src/remediation/revert.js";

describe("diffObjects", () => {
  it("lists leaf changes by pointer and leaves server bookkeeping out", () => {
    const before = {
      metadata: { name: "a", resourceVersion: "1", labels: { x: "1" } },
      spec: { replicas: 5, list: [1, 2] },
    };
    const after = {
      metadata: { name: "a", resourceVersion: "2", labels: {} },
      spec: { replicas: 2, list: [1] },
      status: {},
    };
    expect(diffObjects(before, after)).toEqual([
      { path: "/metadata/labels/x", before: "1" },
      { path: "/spec/replicas", before: 5, after: 2 },
      { path: "/spec/list/1", before: 2 },
    ]);
  });

  it("masks every Secret value, including the last-applied annotation", () => {
    const before = {
      kind: "Secret",
      metadata: { annotations: { "kubectl.kubernetes.io/last-applied-configuration": '{"data":{"p":"czNjcjN0"}}' } },
      data: { p: "czNjcjN0" },
    };
    const after = {
      kind: "Secret",
      metadata: { annotations: {} },
      data: { p: "b3RoZXI=" },
      stringData: { q: "plain" },
    };
    const masked = maskSecretFields("Secret", diffObjects(before, after));
    expect(JSON.stringify(masked)).not.toMatch(/czNjcjN0|b3RoZXI|plain/);
    expect(masked).toContainEqual({ path: "/data/p", before: "***", after: "***" });
    expect(maskSecretFields("ConfigMap", [{ path: "/data/p", before: "a", after: "b" }])).toEqual([
      { path: "/data/p", before: "a", after: "b" },
    ]);
  });
});

describe("removal order", () => {
  it("removes later list items first so earlier indexes stay valid", () => {
    const obj = { env: [{ n: "a" }, { n: "b" }, { n: "c" }], labels: { x: "1", "a/b": "2" } };
    const order = sortForRemoval(["/env/0", "/env/2", "/labels/a~1b", "/env/2/n"]);
    expect(order.indexOf("/env/2/n")).toBeLessThan(order.indexOf("/env/2"));
    expect(order.indexOf("/env/2")).toBeLessThan(order.indexOf("/env/0"));
    for (const p of sortForRemoval(["/env/0", "/env/2", "/labels/a~1b"])) removeAt(obj, p);
    expect(obj).toEqual({ env: [{ n: "b" }], labels: { x: "1" } });
    expect(getAt(obj, "/env/0/n")).toBe("b");
  });
});

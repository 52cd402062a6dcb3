import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { parseUnitData } from "../../../src/hub/data.js";
import { mergeUnitData } from "../../../src/hub/merge.js";

const deployment = (o: {
  replicas?: number;
  image?: string;
  env?: Array<{ name: string; value: string }>;
  extra?: string;
}) =>
  parseUnitData(`apiVersion: apps/v1
kind: Deployment
metadata:
  name: backend
spec:
  replicas: ${o.replicas ?? 1}
  template:
    spec:
      containers:
        - name: backend
          image: ${o.image ?? "backend:1.1.1"}
          env: ${JSON.stringify(o.env ?? [{ name: "DATABASE_URL", value: "postgres://db" }])}
${o.extra ?? ""}`);

const containers = (objs: ReturnType<typeof parseUnitData>) =>
  (objs[0].spec as { template: { spec: { containers: Array<Record<string, unknown>> } } }).template.spec.containers;

describe("three-way merge (upgrade)", () => {
  it("brings upstream changes down and keeps downstream overrides", () => {
    const base = deployment({});
    const ours = deployment({ replicas: 3 });
    const theirs = deployment({ image: "backend:1.1.2" });
    const { objects, conflicts } = mergeUnitData(base, ours, theirs);
    expect(conflicts).toEqual([]);
    expect((objects[0].spec as { replicas: number }).replicas).toBe(3);
    expect(containers(objects)[0].image).toBe("backend:1.1.2");
  });

  it("merges env lists by name: additions from both sides, upstream edits of untouched items", () => {
    const base = deployment({
      env: [
        { name: "A", value: "1" },
        { name: "B", value: "1" },
      ],
    });
    const ours = deployment({
      env: [
        { name: "A", value: "1" },
        { name: "B", value: "1" },
        { name: "MINE", value: "x" },
      ],
    });
    const theirs = deployment({
      env: [
        { name: "A", value: "2" },
        { name: "THEIRS", value: "y" },
      ],
    });
    const { objects, conflicts } = mergeUnitData(base, ours, theirs);
    expect(conflicts).toEqual([]);
    expect(containers(objects)[0].env).toEqual([
      { name: "A", value: "2" },
      { name: "MINE", value: "x" },
      { name: "THEIRS", value: "y" },
    ]);
  });

  it("keeps the downstream value on a real conflict and reports where", () => {
    const base = deployment({ replicas: 1 });
    const ours = deployment({ replicas: 3 });
    const theirs = deployment({ replicas: 2, image: "backend:2" });
    const { objects, conflicts } = mergeUnitData(base, ours, theirs);
    expect((objects[0].spec as { replicas: number }).replicas).toBe(3);
    expect(containers(objects)[0].image).toBe("backend:2");
    expect(conflicts).toEqual([{ Document: "apps/Deployment//backend", Path: "/spec/replicas" }]);
  });

  it("adds documents new upstream and drops ones upstream removed that downstream left alone", () => {
    const svc = "---\napiVersion: v1\nkind: Service\nmetadata:\n  name: backend\nspec:\n  ports: [{port: 80}]\n";
    const cm = "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata: {a: '1'}\n";
    const base = deployment({ extra: svc });
    const ours = deployment({ replicas: 3, extra: svc });
    const theirs = deployment({ extra: cm });
    const { objects } = mergeUnitData(base, ours, theirs);
    expect(objects.map((o) => o.kind)).toEqual(["Deployment", "ConfigMap"]);
  });

  it("pairs a document whose namespace the downstream overrides, so upstream changes still flow down", () => {
    const ns = (objs: ReturnType<typeof parseUnitData>, namespace: string) => {
      objs[0].metadata.namespace = namespace;
      return objs;
    };
    const base = ns(deployment({}), "global-app");
    const ours = ns(deployment({ replicas: 2 }), "staging");
    const theirs = ns(deployment({ image: "backend:1.1.2" }), "global-app");
    const { objects, conflicts } = mergeUnitData(base, ours, theirs);
    expect(conflicts).toEqual([]);
    expect(objects).toHaveLength(1);
    expect(objects[0].metadata.namespace).toBe("staging");
    expect((objects[0].spec as { replicas: number }).replicas).toBe(2);
    expect(containers(objects)[0].image).toBe("backend:1.1.2");
  });

  it("does not pair across namespaces when the name is ambiguous", () => {
    const two = (a: string, b: string) =>
      [...deployment({}), ...deployment({})].map((o, i) => {
        o.metadata.namespace = i === 0 ? a : b;
        return o;
      });
    const { objects } = mergeUnitData(two("a", "b"), two("a", "b"), two("a", "b"));
    expect(objects.map((o) => o.metadata.namespace)).toEqual(["a", "b"]);
  });

  it("treats lists without keys as one value", () => {
    const doc = (args: string[]) =>
      parseUnitData(
        parse(JSON.stringify({ apiVersion: "v1", kind: "Pod", metadata: { name: "p" }, spec: { args } })) &&
          JSON.stringify({ apiVersion: "v1", kind: "Pod", metadata: { name: "p" }, spec: { args } }),
      );
    const { objects, conflicts } = mergeUnitData(doc(["a"]), doc(["a", "b"]), doc(["c"]));
    expect((objects[0].spec as { args: string[] }).args).toEqual(["a", "b"]);
    expect(conflicts).toEqual([{ Document: "/Pod//p", Path: "/spec/args" }]);
  });
});

// Revert's pure parts that follow list items by merge key: finding a record's field in a later version of the
// object, and diffing two versions with keyed lists matched by key.
import { describe, expect, it } from "vitest";
import { schemaFor } from "../../../src/drift/defaults.js";
import { compareObject } from "../../../src/drift/engine.js";
import type { KubeObject } from "../../../src/drift/types.js";
import { diffByKey } from "../../../src/remediation/json-diff.js";
import { AmbiguousKeyError, fieldWithin, locate, pointerIn } from "../../../src/remediation/keyed-path.js";
import { namedBy } from "../../../src/remediation/revert.js";

const schema = schemaFor("apps/v1", "Deployment");

function deployment(container: Record<string, unknown>, extra: Record<string, unknown>[] = []): KubeObject {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "web", namespace: "qa", labels: { "app.kubernetes.io/name": "web" } },
    spec: { template: { spec: { containers: [...extra, { name: "app", image: "nginx:1.27", ...container }] } } },
  };
}

const env = (...pairs: [string, string][]) => pairs.map(([name, value]) => ({ name, value }));
const ENV = "/spec/template/spec/containers/0/env";

describe("locate", () => {
  it("finds the engine's field by key after an item before it went away", () => {
    const desired = deployment({ env: env(["MODE", "a"], ["LEVEL", "info"]) });
    const recorded = deployment({ env: env(["EXTRA", "1"], ["MODE", "a"], ["LEVEL", "debug"]) });
    const result = compareObject(
      {
        desired: {
          ref: { apiVersion: "apps/v1", kind: "Deployment", namespace: "qa", name: "web" },
          object: desired,
          source: { type: "file", path: "x" },
        },
        live: recorded,
        context: { hpas: [] },
      },
      { mode: "client" },
    );
    const change = result.changes.find((c) => c.path.endsWith("/value"));
    expect(change).toMatchObject({
      path: `${ENV}/2/value`,
      field: "spec.template.spec.containers[name=app].env[name=LEVEL].value",
    });

    const now = deployment({ env: env(["MODE", "a"], ["LEVEL", "debug"]) });
    expect(locate(now, change!, schema)).toEqual({ pointer: `${ENV}/1/value`, field: change!.field });
    expect(locate(recorded, change!, schema)?.pointer).toBe(`${ENV}/2/value`);
  });

  it("finds containers by name wherever they moved", () => {
    const ref = {
      path: "/spec/template/spec/containers/1/image",
      field: "spec.template.spec.containers[name=app].image",
    };
    const now = deployment({});
    expect(locate(now, ref, schema)?.pointer).toBe("/spec/template/spec/containers/0/image");
    const moved = deployment({}, [{ name: "a" }, { name: "b" }]);
    expect(locate(moved, ref, schema)?.pointer).toBe("/spec/template/spec/containers/2/image");
  });

  it("answers nothing when the keyed item is gone, and does not take a name that merely starts the same", () => {
    const ref = { path: `${ENV}/1/value`, field: "spec.template.spec.containers[name=app].env[name=LEVEL].value" };
    expect(locate(deployment({ env: env(["MODE", "a"], ["LEVEL_X", "1"]) }), ref, schema)).toBeUndefined();
    expect(locate(deployment({ env: env(["MODE", "a"]) }), ref, schema)).toBeUndefined();
    expect(locate(deployment({ env: env(["LEVEL", "x"]) }), ref, schema)?.pointer).toBe(`${ENV}/0/value`);
    // A field the item no longer has is not there either.
    expect(locate(deployment({ env: [{ name: "LEVEL" }] }), ref, schema)).toBeUndefined();
  });

  it("takes of two items with the same key the one at the recorded index, and refuses to guess otherwise", () => {
    const ref = { path: `${ENV}/1`, field: "spec.template.spec.containers[name=app].env[name=DUP]" };
    expect(locate(deployment({ env: env(["DUP", "1"], ["DUP", "2"]) }), ref, schema)?.pointer).toBe(`${ENV}/1`);
    expect(() =>
      locate(deployment({ env: env(["X", "0"], ["Y", "0"], ["DUP", "1"], ["DUP", "2"]) }), ref, schema),
    ).toThrow(AmbiguousKeyError);
    expect(pointerIn(deployment({ env: env(["X", "0"], ["Y", "0"], ["DUP", "1"], ["DUP", "2"]) }), ref, schema)).toBe(
      `${ENV}/1`,
    );
  });

  it("matches ports by containerPort and protocol, with the protocol's default", () => {
    const ref = {
      path: "/spec/template/spec/containers/0/ports/0",
      field: "spec.template.spec.containers[name=app].ports[containerPort=9090,protocol=TCP]",
    };
    const now = deployment({
      ports: [{ containerPort: 80 }, { containerPort: 9090, protocol: "UDP" }, { containerPort: 9090 }],
    });
    expect(locate(now, ref, schema)?.pointer).toBe("/spec/template/spec/containers/0/ports/2");
  });

  it("keeps lists without a merge key positional, and follows map keys that need quoting", () => {
    const args = {
      path: "/spec/template/spec/containers/0/args/1",
      field: "spec.template.spec.containers[name=app].args[1]",
    };
    expect(locate(deployment({ args: ["a", "b"] }), args, schema)?.pointer).toBe(
      "/spec/template/spec/containers/0/args/1",
    );
    expect(locate(deployment({ args: ["a"] }), args, schema)).toBeUndefined();
    const label = {
      path: "/metadata/labels/app.kubernetes.io~1name",
      field: 'metadata.labels["app.kubernetes.io/name"]',
    };
    expect(locate(deployment({}), label, schema)).toEqual({ pointer: label.path, field: label.field });
  });

  it("follows a field not in the engine's form (a hand-written record) by index", () => {
    const ref = { path: `${ENV}/1`, field: `${ENV}/1` };
    const now = deployment({ env: env(["MODE", "a"], ["DEBUG", "1"]) });
    expect(locate(now, ref, schema)).toEqual({
      pointer: `${ENV}/1`,
      field: "spec.template.spec.containers[name=app].env[name=DEBUG]",
    });
    expect(locate(deployment({ env: env(["MODE", "a"]) }), ref, schema)).toBeUndefined();
  });

  it("names a field a write adds by the pointer of its enclosing item", () => {
    const ref = {
      path: `${ENV}/0/valueFrom`,
      field: "spec.template.spec.containers[name=app].env[name=LEVEL].valueFrom",
    };
    const now = deployment({ env: env(["MODE", "a"], ["LEVEL", "x"]) });
    expect(pointerIn(now, ref, schema)).toBe(`${ENV}/1/valueFrom`);
    expect(pointerIn(undefined, ref, schema)).toBe(ref.path);
  });
});

describe("diffByKey", () => {
  it("shows an item removed from the middle as that item, and later items' changes at their own index", () => {
    const before = deployment({ env: env(["MODE", "a"], ["EXTRA", "1"], ["LEVEL", "debug"]) });
    const after = deployment({ env: env(["MODE", "a"], ["LEVEL", "info"]) });
    expect(diffByKey(before, after, schema)).toEqual([
      {
        path: `${ENV}/1`,
        field: "spec.template.spec.containers[name=app].env[name=EXTRA]",
        before: { name: "EXTRA", value: "1" },
        leaves: [
          "spec.template.spec.containers[name=app].env[name=EXTRA].name",
          "spec.template.spec.containers[name=app].env[name=EXTRA].value",
        ],
      },
      {
        path: `${ENV}/2/value`,
        field: "spec.template.spec.containers[name=app].env[name=LEVEL].value",
        before: "debug",
        after: "info",
        leaves: ["spec.template.spec.containers[name=app].env[name=LEVEL].value"],
      },
    ]);
  });

  it("indexes an item only the after side has where it is there, and leaves bookkeeping out", () => {
    const before = { ...deployment({ env: env(["MODE", "a"]) }), status: { replicas: 1 } };
    const after = deployment({ env: env(["NEW", "1"], ["MODE", "a"]) });
    after.metadata.resourceVersion = "9";
    expect(diffByKey(before, after, schema).map((c) => [c.path, c.after])).toEqual([
      [`${ENV}/0`, { name: "NEW", value: "1" }],
    ]);
  });

  it("compares lists without a merge key position by position", () => {
    const changes = diffByKey(deployment({ args: ["a", "b"] }), deployment({ args: ["b"] }), schema);
    expect(changes.map((c) => [c.field, c.before, c.after])).toEqual([
      ["spec.template.spec.containers[name=app].args[0]", "a", "b"],
      ["spec.template.spec.containers[name=app].args[1]", "b", undefined],
    ]);
  });
});

describe("fieldWithin", () => {
  it("holds a field's own leaves only", () => {
    expect(fieldWithin("a.env[name=A].value", "a.env[name=A]")).toBe(true);
    expect(fieldWithin("a.env[name=A]", "a.env[name=A]")).toBe(true);
    expect(fieldWithin("a.env[name=AB].value", "a.env[name=A]")).toBe(false);
    expect(fieldWithin('a.labels["x/y"]', "a.labels")).toBe(true);
    expect(fieldWithin("a.labelsX", "a.labels")).toBe(false);
  });
});

describe("the revert's guard (namedBy)", () => {
  const C = "spec.template.spec.containers[name=app]";
  const removeItem = (name: string, value: string) => ({
    path: `${ENV}/1`,
    field: `${C}.env[name=${name}]`,
    before: { name, value },
    leaves: [`${C}.env[name=${name}].name`, `${C}.env[name=${name}].value`],
  });

  it("lets a whole item go only when the record names the item, not just one of its fields", () => {
    expect(namedBy(removeItem("EXTRA", "1"), [`${C}.env[name=EXTRA]`])).toBe(true);
    expect(namedBy(removeItem("LEVEL", "debug"), [`${C}.env[name=LEVEL].value`])).toBe(false);
    expect(namedBy(removeItem("LEVEL", "debug"), [`${C}.env`])).toBe(true);
  });

  it("lets a field change when the record names it or a field above it, and nothing else", () => {
    const value = { path: `${ENV}/2/value`, field: `${C}.env[name=LEVEL].value`, before: "a", after: "b" };
    const change = { ...value, leaves: [value.field] };
    expect(namedBy(change, [`${C}.env[name=LEVEL].value`])).toBe(true);
    expect(namedBy(change, [`${C}.env[name=LEVEL]`])).toBe(true);
    expect(namedBy(change, [`${C}.env[name=LEVE]`, `${C}.image`])).toBe(false);
  });

  it("lets an empty map come or go next to a named field below it", () => {
    const empty = { path: "/metadata/labels", field: "metadata.labels", before: {}, leaves: ["metadata.labels"] };
    expect(namedBy(empty, ["metadata.labels.hotfix"])).toBe(true);
    expect(namedBy({ ...empty, before: { a: "1" }, leaves: ["metadata.labels.a"] }, ["metadata.labels.hotfix"])).toBe(
      false,
    );
  });
});

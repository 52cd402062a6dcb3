import { describe, expect, it } from "vitest";
import { IMPERATIVE_MANAGERS, OWN_MANAGERS } from "../../../src/drift/engine.js";
import { culprit, fieldsV1Paths, ownershipDepth, ownersOf } from "../../../src/drift/managedfields.js";
import { NameMatcher, type Seg } from "../../../src/drift/paths.js";
import type { ManagedFieldsEntry } from "../../../src/drift/types.js";
import { loadFixture } from "./fixtures.js";

const q = { imperative: new NameMatcher(IMPERATIVE_MANAGERS), own: new NameMatcher(OWN_MANAGERS) };
const entry = (fx: string, manager: string): ManagedFieldsEntry =>
  loadFixture(fx).live.metadata.managedFields!.find((m) => m.manager === manager)!;
const container = (name: string): Seg => ({ item: { name }, index: 0 });
const envPath = (name: string, field?: string): Seg[] => [
  "spec",
  "template",
  "spec",
  "containers",
  container("backend"),
  "env",
  { item: { name, value: "x" }, index: 2 },
  ...(field ? [field] : []),
];

describe("FieldsV1 parsing", () => {
  it("lists the paths a real kubectl-set entry owns, list items by merge key", () => {
    expect(fieldsV1Paths(entry("story/env-added", "kubectl-set").fieldsV1!)).toEqual([
      ".spec.template.spec.containers[name=backend].env[name=DEBUG]",
      ".spec.template.spec.containers[name=backend].env[name=DEBUG].name",
      ".spec.template.spec.containers[name=backend].env[name=DEBUG].value",
    ]);
  });

  it("reads composite keys (containerPort + protocol) from a server-side apply entry", () => {
    const paths = fieldsV1Paths(entry("ssa/deployment-backend", "confighub").fieldsV1!);
    expect(paths).toContain(
      ".spec.template.spec.containers[name=backend].ports[containerPort=8080,protocol=TCP].containerPort",
    );
    expect(paths).toContain(".spec.replicas");
    expect(paths).not.toContain(".spec.strategy"); // defaults are nobody's under server-side apply
  });

  it("parses set values and indexes", () => {
    expect(
      fieldsV1Paths({
        "f:metadata": { "f:finalizers": { ".": {}, 'v:"example.com/guard"': {} } },
        "f:list": { "i:0": {} },
      }),
    ).toEqual([".metadata.finalizers", '.metadata.finalizers[="example.com/guard"]', ".list[0]"]);
  });
});

describe("ownership", () => {
  const set = entry("story/env-added", "kubectl-set").fieldsV1!;
  it("finds the exact owner of a list item field by merge key", () => {
    expect(ownershipDepth(set, envPath("DEBUG", "value"))).toBe(8);
    expect(ownershipDepth(set, envPath("DEBUG"))).toBe(7); // the item itself ('.')
    expect(ownershipDepth(set, envPath("DATABASE_URL", "value"))).toBe(-1);
    expect(ownershipDepth(set, ["spec", "template", "spec"])).toBe(-1); // a parent, not owned itself
  });

  it("an atomic list owns everything below it", () => {
    const patch = entry("story/role-widened", "kubectl-patch").fieldsV1!;
    expect(ownershipDepth(patch, ["rules", { item: {}, index: 0 }, "verbs"])).toBe(1);
    expect(ownershipDepth(patch, ["rules"])).toBe(1);
    expect(ownershipDepth(patch, ["metadata"])).toBe(-1);
  });

  it("matches set items by value and indexed items by index", () => {
    const f = { "f:metadata": { "f:finalizers": { 'v:"example.com/guard"': {} } }, "f:list": { "i:1": { "f:a": {} } } };
    expect(ownershipDepth(f, ["metadata", "finalizers", { item: "example.com/guard", index: 3 }])).toBe(3);
    expect(ownershipDepth(f, ["metadata", "finalizers", { item: "other", index: 0 }])).toBe(-1);
    expect(ownershipDepth(f, ["list", { item: {}, index: 1 }, "a"])).toBe(3);
    expect(ownershipDepth(f, ["list", { item: {}, index: 0 }, "a"])).toBe(-1);
  });

  it("the deepest owner wins; then an imperative one, then anyone but our own appliers, then the latest", () => {
    const live = loadFixture("story/set-image").live;
    const imagePath: Seg[] = ["spec", "template", "spec", "containers", container("backend"), "image"];
    expect(ownersOf(live.metadata.managedFields, imagePath).map((e) => e.manager)).toEqual(["kubectl-set"]);
    const a: ManagedFieldsEntry = {
      manager: "confighub",
      operation: "Apply",
      time: "2026-01-02T00:00:00Z",
      fieldsV1: { "f:x": {} },
    };
    const b: ManagedFieldsEntry = {
      manager: "argocd",
      operation: "Apply",
      time: "2026-01-01T00:00:00Z",
      fieldsV1: { "f:x": {} },
    };
    const c: ManagedFieldsEntry = {
      manager: "kubectl-edit",
      operation: "Update",
      time: "2025-01-01T00:00:00Z",
      fieldsV1: { "f:x": {} },
    };
    const d: ManagedFieldsEntry = {
      manager: "late-bot",
      operation: "Apply",
      time: "2026-06-01T00:00:00Z",
      fieldsV1: { "f:x": {} },
    };
    const atomic: ManagedFieldsEntry = { manager: "kubectl-patch", operation: "Update", fieldsV1: {} };
    expect(culprit([a, b], ["x"], q)?.manager).toBe("argocd");
    expect(culprit([a, b, c], ["x"], q)?.manager).toBe("kubectl-edit");
    expect(culprit([b, d], ["x"], q)?.manager).toBe("late-bot");
    expect(culprit([a], ["y"], q)).toBeNull();
    expect(culprit(undefined, ["x"], q)).toBeNull();
    expect(ownersOf([a, atomic], ["x"]).map((e) => e.manager)).toEqual(["confighub"]);
  });
});

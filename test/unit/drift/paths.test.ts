import { describe, expect, it } from "vitest";
import {
  NameMatcher,
  PathStack,
  PointerPattern,
  parsePointer,
  segsToField,
  segsToPointer,
} from "../../../src/drift/paths.js";

describe("paths", () => {
  it("renders a pointer by index and a field by merge key", () => {
    const p = new PathStack();
    p.pushKey("spec");
    p.pushKey("template");
    p.pushKey("spec");
    p.pushKey("containers");
    p.pushItem({ name: "backend", image: "x" }, 0, ["name"]);
    p.pushKey("ports");
    p.pushItem({ containerPort: 8080, protocol: "TCP" }, 1, ["containerPort", "protocol"]);
    p.pushKey("containerPort");
    expect(p.pointer()).toBe("/spec/template/spec/containers/0/ports/1/containerPort");
    expect(p.fieldString()).toBe(
      "spec.template.spec.containers[name=backend].ports[containerPort=8080,protocol=TCP].containerPort",
    );
  });

  it("escapes pointer tokens and quotes odd map keys in fields", () => {
    const segs = ["metadata", "labels", "app.kubernetes.io/name"];
    expect(segsToPointer(segs)).toBe("/metadata/labels/app.kubernetes.io~1name");
    expect(segsToField(segs)).toBe('metadata.labels["app.kubernetes.io/name"]');
    expect(segsToPointer(["a~b"])).toBe("/a~0b");
    expect(parsePointer("/metadata/labels/app.kubernetes.io~1name/a~0b")).toEqual([
      "metadata",
      "labels",
      "app.kubernetes.io/name",
      "a~b",
    ]);
  });

  it("uses the index for lists without a merge key", () => {
    expect(segsToField(["rules", { item: { verbs: [] }, index: 0 }, "verbs"])).toBe("rules[0].verbs");
    expect(
      segsToField([
        "spec",
        "volumeClaimTemplates",
        { item: { metadata: { name: "data" } }, index: 0, key: ["metadata.name"] },
      ]),
    ).toBe("spec.volumeClaimTemplates[metadata.name=data]");
  });

  it("matches pointer patterns with * and ** and everything below", () => {
    const p = new PointerPattern("/spec/template/spec/containers/*/env");
    expect(p.matches("/spec/template/spec/containers/1/env")).toBe(true);
    expect(p.matches("/spec/template/spec/containers/1/env/0/value")).toBe(true);
    expect(p.matches("/spec/template/spec/containers/1/image")).toBe(false);
    expect(p.matchesExactly("/spec/template/spec/containers/1/env/0")).toBe(false);
    const deep = new PointerPattern("/**/securityContext");
    expect(deep.matches("/spec/template/spec/containers/0/securityContext/privileged")).toBe(true);
    expect(deep.matches("/spec/securityContext")).toBe(true);
    expect(deep.matches("/spec/template/spec/containers/0/image")).toBe(false);
    expect(() => new PointerPattern("spec/replicas")).toThrow(/JSON Pointer/);
  });

  it("matches manager globs with exclusions", () => {
    const m = new NameMatcher(["kubectl*", "!kubectl-client-side-apply"]);
    expect(m.matches("kubectl-edit")).toBe(true);
    expect(m.matches("kubectl")).toBe(true);
    expect(m.matches("kubectl-client-side-apply")).toBe(false);
    expect(m.matches("confighub")).toBe(false);
    expect(m.matches("my-kubectl")).toBe(false);
  });
});

describe("item labels", () => {
  it("fill in defaulted key fields and fall back to the index", () => {
    const p = new PathStack();
    p.pushKey("ports");
    p.pushItem({ containerPort: 8080 }, 0, ["containerPort", "protocol"], { protocol: "TCP" });
    expect(p.fieldString()).toBe("ports[containerPort=8080,protocol=TCP]");
    p.pop();
    p.pushItem({ other: 1 }, 3, ["name"]);
    expect(p.fieldString()).toBe("ports[3]");
  });
});

import { describe, expect, it } from "vitest";
import { IGNORE_ANNOTATION, parseIgnoreRules } from "../../../src/drift/ignore.js";
import { SeverityPolicy } from "../../../src/drift/severity.js";
import { loadFixture, run } from "./fixtures.js";

describe("ignore rules", () => {
  it("ignore by path pattern with * for list items, listing the reason", () => {
    const rules = parseIgnoreRules([
      { paths: ["/spec/template/spec/containers/*/image"], reason: "images come from CI" },
    ]);
    const r = run(loadFixture("story/set-image"), "client", { ignoreRules: rules });
    expect(r.status).toBe("InSync");
    expect(r.ignored).toEqual([{ path: "/spec/template/spec/containers/0/image", reason: "images come from CI" }]);
  });

  it("ignore by manager", () => {
    const r = run(loadFixture("story/hotfix-bot"), "server", { ignoreRules: [{ managers: ["hotfix-*"] }] });
    expect(r.status).toBe("InSync");
    expect(r.ignored[0].reason).toBe("ignore rule (managers hotfix-*)");
    expect(run(loadFixture("story/set-image"), "server", { ignoreRules: [{ managers: ["hotfix-*"] }] }).status).toBe(
      "Drifted",
    );
  });

  it("select objects by kind, namespace, name and labels", () => {
    const fx = loadFixture("story/set-image");
    const ns = fx.desired.metadata.namespace!;
    const drifted = (rule: object) => run(fx, "client", { ignoreRules: parseIgnoreRules([rule]) }).status === "Drifted";
    expect(drifted({ kinds: ["Deployment"] })).toBe(false);
    expect(drifted({ kinds: ["apps/*"] })).toBe(false);
    expect(drifted({ kinds: ["StatefulSet"] })).toBe(true);
    expect(drifted({ namespaces: [ns] })).toBe(false);
    expect(drifted({ namespaces: ["prod-*"] })).toBe(true);
    expect(drifted({ names: ["back*"], matchLabels: { app: "backend" } })).toBe(false);
    expect(drifted({ matchLabels: { app: "frontend" } })).toBe(true);
  });

  it("the desired object's annotation adds paths and managers", () => {
    const fx = loadFixture("story/labelled");
    // The annotation is applied with the object, so live carries it too.
    fx.desired.metadata.annotations = { [IGNORE_ANNOTATION]: "/metadata/labels/team, /spec/paused" };
    fx.live.metadata.annotations = { ...fx.live.metadata.annotations, ...fx.desired.metadata.annotations };
    expect(run(fx, "client").status).toBe("InSync");
    expect(run(fx, "client").ignored).toEqual([
      { path: "/metadata/labels/team", reason: `annotation ${IGNORE_ANNOTATION}` },
    ]);
    fx.desired.metadata.annotations = { [IGNORE_ANNOTATION]: "manager:kubectl-label" };
    fx.live.metadata.annotations = { ...fx.live.metadata.annotations, ...fx.desired.metadata.annotations };
    expect(run(fx, "client").status).toBe("InSync");
  });

  it("a bad annotation entry makes that object an Error naming the entry", () => {
    const fx = loadFixture("story/labelled");
    fx.desired.metadata.annotations = { [IGNORE_ANNOTATION]: "spec.replicas" };
    const r = run(fx, "client");
    expect(r.status).toBe("Error");
    expect(r.error).toContain('"spec.replicas" is neither a JSON Pointer');
  });

  it("rejects malformed configuration with one message naming the rule", () => {
    expect(() => parseIgnoreRules([{ paths: ["spec/replicas"] }])).toThrow(
      /ignore rules at 0\.paths\.0: a JSON Pointer starts with \//,
    );
    expect(() => parseIgnoreRules([{ path: "/x" }])).toThrow(/ignore rules.*path/);
    expect(() => parseIgnoreRules({})).toThrow(/ignore rules/);
  });
});

describe("severity", () => {
  const policy = new SeverityPolicy();
  it.each([
    ["Role", "/rules/0/verbs", "critical"],
    ["ClusterRoleBinding", "/subjects", "critical"],
    ["Deployment", "/spec/template/spec/containers/0/securityContext/runAsUser", "critical"],
    ["Deployment", "/spec/template/spec/hostNetwork", "critical"],
    ["Deployment", "/spec/template/spec/containers/1/image", "high"],
    ["Deployment", "/spec/template/spec/initContainers/0/command", "high"],
    ["Secret", "/data/PASSWORD", "high"],
    ["Service", "/spec/ports/0/targetPort", "high"],
    ["Service", "/spec/selector/app", "high"],
    ["Deployment", "/spec/replicas", "medium"],
    ["Deployment", "/spec/template/spec/containers/0/resources/limits", "medium"],
    ["ConfigMap", "/data/LOG_LEVEL", "medium"],
    ["Deployment", "/metadata/labels/team", "low"],
    ["Deployment", "/metadata/annotations/x", "low"],
    ["Deployment", "/spec/minReadySeconds", "medium"],
  ])("%s %s → %s", (kind, path, severity) => {
    expect(policy.of(kind, path)).toBe(severity);
  });

  it("a whole item is as bad as the worst thing in it", () => {
    expect(policy.of("Deployment", "/spec/template/spec/containers/1", { name: "x", image: "y" })).toBe("high");
    expect(
      policy.of("Deployment", "/spec/template/spec/containers/1", { name: "x", securityContext: { privileged: true } }),
    ).toBe("critical");
  });

  it("configured rules come first", () => {
    const custom = new SeverityPolicy([{ kind: "ConfigMap", path: "/data/FEATURE_*", severity: "high" }]);
    expect(custom.of("ConfigMap", "/data/LOG_LEVEL")).toBe("medium");
    const r = run(loadFixture("story/configmap-edited"), "client", {
      severityRules: [{ kind: "ConfigMap", path: "/data/LOG_LEVEL", severity: "critical" }],
    });
    expect(r.severity).toBe("critical");
  });
});

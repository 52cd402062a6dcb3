import { describe, expect, it } from "vitest";
import { summarize } from "../../../src/drift/engine.js";
import { renderReport } from "../../../src/drift/render.js";
import type { ResourceResult, SourceInfo } from "../../../src/drift/types.js";
import { loadFixture, run } from "./fixtures.js";

describe("text report", () => {
  const report = summarize(
    [run(loadFixture("story/set-image"), "client"), run(loadFixture("ssa/configmap-settings"), "client")],
    "client",
  );

  it("shows a status line, a diff of each change and who made it", () => {
    const text = renderReport(report, { color: false });
    const lines = text.split("\n");
    expect(lines[0]).toMatch(/^Deployment fx-set-image-\w+\/backend {2}Drifted high {2}manifests\.yaml$/);
    expect(lines[1]).toMatch(
      /^ {2}@@ spec\.template\.spec\.containers\[name=backend\]\.image @@ changed, high, by kubectl-set \(Update\) at \d{4}-/,
    );
    expect(lines[2]).toBe("  - ghcr.io/confighubai/cubbychat/backend:1.1.1");
    expect(lines[3]).toBe("  + ghcr.io/confighubai/cubbychat/backend:1.1.2-hotfix");
    expect(lines[4]).toMatch(/^ConfigMap fx-ssa-\w+\/settings {2}InSync/);
    expect(text).toContain("2 resources (client mode): 1 in sync, 1 drifted, 0 missing, 0 errors");
    expect(text).not.toContain("\u001b[");
  });

  it("colours only when asked", () => {
    const text = renderReport(report, { color: true });
    expect(text).toContain("\u001b[31m  - ghcr.io/confighubai/cubbychat/backend:1.1.1\u001b[0m");
    expect(text).toContain("\u001b[32m  + ghcr.io/confighubai/cubbychat/backend:1.1.2-hotfix\u001b[0m");
  });

  it("renders structured values as YAML lines and unknown owners as such", () => {
    const r = run(loadFixture("story/edit-limits-removed"), "client");
    const text = renderReport(summarize([r], "client"), { color: false });
    expect(text).toContain("removed, medium, by unknown");
    expect(text).toContain("  - cpu: 1000m\n  - memory: 1024Mi\n");
  });
});

describe("text report of documents that name no object", () => {
  const error = (source: SourceInfo, ref: ResourceResult["ref"], message: string): ResourceResult => ({
    ref,
    source,
    status: "Error",
    severity: null,
    changes: [],
    ignored: [],
    error: message,
  });

  it("names the source (file and document, or space and unit) instead of a blank reference", () => {
    const results = [
      error(
        { type: "file", path: "manifests/broken.yaml", document: 2 },
        { apiVersion: "", kind: "", name: "" },
        "manifests/broken.yaml document 2 (from line 6): invalid YAML at line 1, column 7: bad",
      ),
      error(
        { type: "file", path: "manifests/widget.yaml", document: 3 },
        { apiVersion: "v1", kind: "Secret", name: "" },
        "manifests/widget.yaml document 3: missing metadata.name",
      ),
      error({ type: "file", path: "manifests/locked.yaml" }, { apiVersion: "", kind: "", name: "" }, "cannot read"),
      error(
        { type: "hub", space: "acorn-bear-qa", unit: "backend", revision: 7 },
        { apiVersion: "", kind: "", name: "" },
        "unit backend: not a Kubernetes object",
      ),
    ];
    const lines = renderReport(summarize(results, "client"), { color: false }).split("\n");
    expect(lines.filter((l) => !l.startsWith("  ") && l.includes("Error"))).toEqual([
      "manifests/broken.yaml document 2  Error",
      "Secret in manifests/widget.yaml document 3  Error",
      "manifests/locked.yaml  Error",
      "hub:acorn-bear-qa/backend rev 7  Error",
    ]);
    expect(lines[1]).toBe("  manifests/broken.yaml document 2 (from line 6): invalid YAML at line 1, column 7: bad");
  });
});

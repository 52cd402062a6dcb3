import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import type { OpenAPISchema } from "../../../src/drift/crdschema.js";
import { schemaFromCrd } from "../../../src/drift/crdschema.js";
import type { KubeObject } from "../../../src/drift/types.js";
import { clone, loadFixture, MODES, run } from "./fixtures.js";

// A Gadget created by hand (`kubectl create`): its creator owns the CRD schema's defaults (spec.size = 3, and
// protocol = TCP inside a list-map item). The CRD is the one the capture put in the sandbox.
const crd = JSON.parse(
  readFileSync(join(dirname(fileURLToPath(import.meta.url)), "fixtures/crd/crd.json"), "utf8"),
) as KubeObject;
const schema = (crd.spec as { versions: Array<{ schema: { openAPIV3Schema: OpenAPISchema } }> }).versions[0].schema
  .openAPIV3Schema;
const fx = loadFixture("crd/gadget-created");

describe("custom resources", () => {
  it("the captured object carries the schema defaults, owned by its creator", () => {
    expect(fx.live.spec).toMatchObject({ size: 3, ports: [{ name: "http", port: 80, protocol: "TCP" }] });
    expect(fx.live.metadata.managedFields?.map((m) => m.manager)).toEqual(["kubectl-create"]);
  });

  it.each(MODES)("with the CRD schema, defaults are not drift [%s]", (mode) => {
    expect(run(fx, mode, {}, { hpas: [], crdSchema: schema }).changes).toEqual([]);
  });

  it("server mode needs no schema: the dry-run create shows the defaults", () => {
    expect(run(fx, "server").status).toBe("InSync");
  });

  it("client mode without the schema cannot tell defaults from hand edits", () => {
    expect(
      run(fx, "client")
        .changes.map((c) => c.path)
        .sort(),
    ).toEqual(["/spec/ports/0/protocol", "/spec/size"]);
  });

  it("a non-default value is still drift, list items matched by the schema's map keys", () => {
    const edited = clone(fx);
    (edited.live.spec as { size: number }).size = 5;
    (edited.live.spec as { ports: Array<{ protocol: string }> }).ports[0].protocol = "UDP";
    for (const mode of MODES) {
      const r = run(edited, mode, {}, { hpas: [], crdSchema: schema });
      expect(r.changes.map((c) => [c.field, c.live]).sort()).toEqual([
        ["spec.ports[name=http].protocol", "UDP"],
        ["spec.size", 5],
      ]);
    }
  });

  it("converts list-map keys and defaults; caches per schema", () => {
    const node = schemaFromCrd(schema);
    const spec = node.fields?.spec;
    expect(spec?.fields?.size?.dflt).toBe(3);
    expect(spec?.fields?.ports?.listKey).toEqual({ fields: ["name"], defaults: undefined });
    expect(spec?.fields?.ports?.item?.fields?.protocol?.dflt).toBe("TCP");
    expect(node.fields?.status?.skip).toBe(true);
    expect(schemaFromCrd(schema)).toBe(node);
  });
});

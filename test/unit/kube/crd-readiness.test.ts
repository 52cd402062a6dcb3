import { describe, expect, it } from "vitest";
import type { KubeObject } from "../../../src/drift/types.js";
import { crdReadiness, servedKinds } from "../../../src/kube/crd-readiness.js";

const crd = (status?: unknown, versions: unknown[] = [{ name: "v1", served: true }]): KubeObject => ({
  apiVersion: "apiextensions.k8s.io/v1",
  kind: "CustomResourceDefinition",
  metadata: { name: "gadgets.example.com" },
  spec: { group: "example.com", names: { kind: "Gadget", plural: "gadgets" }, versions },
  ...(status ? { status } : {}),
});

describe("CRD readiness", () => {
  it("is ready only with Established=True", () => {
    expect(crdReadiness(crd({ conditions: [{ type: "Established", status: "True" }] }))).toEqual({
      established: true,
      note: "",
    });
    expect(crdReadiness(crd({ conditions: [{ type: "Established", status: "False", reason: "Installing" }] }))).toEqual(
      {
        established: false,
        note: "Established=False Installing",
      },
    );
    expect(crdReadiness(crd())).toEqual({ established: false, note: "no conditions yet" });
    expect(crdReadiness(undefined)).toEqual({ established: false, note: "not found" });
  });

  it("explains a CRD whose names were refused", () => {
    const status = {
      conditions: [
        { type: "NamesAccepted", status: "False", reason: "KindConflict", message: '"Gadget" is already in use' },
        { type: "Established", status: "False", reason: "NotAccepted", message: "not all names are accepted" },
      ],
    };
    expect(crdReadiness(crd(status)).note).toBe('NamesAccepted=False KindConflict: "Gadget" is already in use');
  });

  it("lists the kinds of its served versions", () => {
    const versions = [
      { name: "v1", served: true },
      { name: "v1beta1", served: false },
      { name: "v2", served: true },
    ];
    expect(servedKinds(crd(undefined, versions))).toEqual([
      { apiVersion: "example.com/v1", kind: "Gadget" },
      { apiVersion: "example.com/v2", kind: "Gadget" },
    ]);
  });
});

// Namespaced custom resource kinds for tests, so that what a hand-made object is given back by the apiserver (and
// what counts as drift in it) can be checked.
import type { KubeObject } from "../../src/drift/types.js";

/** A namespaced CRD `<plural>.<group>` of `kind`, version v1, with this schema. */
export function crdWith(group: string, plural: string, kind: string, openAPIV3Schema: object): KubeObject {
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: `${plural}.${group}` },
    spec: {
      group,
      scope: "Namespaced",
      names: { plural, singular: plural.replace(/s$/, ""), kind },
      versions: [{ name: "v1", served: true, storage: true, schema: { openAPIV3Schema } }],
    },
  };
}

/** The CRD of `gadgets.<group>` (kind Gadget, version v1): `spec.size` defaults to 3, `spec.ports[].protocol` to TCP. */
export function gadgetCrd(group: string): KubeObject {
  return crdWith(group, "gadgets", "Gadget", {
    type: "object",
    properties: {
      spec: {
        type: "object",
        properties: {
          color: { type: "string" },
          size: { type: "integer", default: 3 },
          ports: {
            type: "array",
            "x-kubernetes-list-type": "map",
            "x-kubernetes-list-map-keys": ["name"],
            items: {
              type: "object",
              required: ["name"],
              properties: {
                name: { type: "string" },
                port: { type: "integer" },
                protocol: { type: "string", default: "TCP" },
              },
            },
          },
        },
      },
    },
  });
}

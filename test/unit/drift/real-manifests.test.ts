// The classes found on real manifests (issue 21), each by its general rule: aliases the server fills, zero values it
// drops, published defaults, and hand changes the cluster records no owner for.
import { describe, expect, it } from "vitest";
import { schemaFor } from "../../../src/drift/defaults.js";
import { compareObject } from "../../../src/drift/engine.js";
import { withPublished } from "../../../src/drift/published.js";
import type { CompareInput, KubeObject, ManagedFieldsEntry, OpenAPISchema } from "../../../src/drift/types.js";

const deployment = (spec: Record<string, unknown>, managedFields?: ManagedFieldsEntry[]): KubeObject => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "api", namespace: "ns", ...(managedFields ? { managedFields } : {}) },
  spec: {
    selector: { matchLabels: { app: "api" } },
    template: { metadata: { labels: { app: "api" } }, spec: { containers: [{ name: "api", image: "x:1" }] } },
    ...spec,
  },
});

const applied: ManagedFieldsEntry = {
  manager: "confighub",
  operation: "Apply",
  fieldsV1: { "f:spec": { "f:selector": {}, "f:template": {} } },
};

function check(desired: KubeObject, live: KubeObject, context: Partial<CompareInput["context"]> = {}) {
  const ref = { apiVersion: desired.apiVersion, kind: desired.kind, namespace: "ns", name: desired.metadata.name };
  return compareObject(
    {
      desired: { ref, object: desired, source: { type: "file", path: "x.yaml" } },
      live,
      context: { hpas: [], ...context },
    },
    { mode: "client" },
  );
}

describe("server-filled and server-dropped values", () => {
  it("a deprecated alias equal to its sibling is the server's copy, even when kubectl create owns it", () => {
    const desired = deployment({});
    (desired.spec as { template: { spec: Record<string, unknown> } }).template.spec.serviceAccountName = "api";
    const live = structuredClone(desired);
    const pod = (live.spec as { template: { spec: Record<string, unknown> } }).template.spec;
    pod.serviceAccount = "api";
    live.metadata.managedFields = [{ manager: "kubectl-create", operation: "Update", fieldsV1: { "f:spec": {} } }];
    expect(check(desired, live).status).toBe("InSync");
    pod.serviceAccount = "other";
    expect(check(desired, live).changes.map((c) => c.path)).toEqual(["/spec/template/spec/serviceAccount"]);
  });

  it("a declared zero the server drops is in sync; one whose absence means otherwise is not", () => {
    expect(check(deployment({ minReadySeconds: 0, paused: false }), deployment({}, [applied])).status).toBe("InSync");
    const guarded = deployment({});
    const c = (guarded.spec as { template: { spec: { containers: Array<Record<string, unknown>> } } }).template.spec
      .containers[0]!;
    c.securityContext = { allowPrivilegeEscalation: false };
    const r = check(guarded, deployment({}, [applied]));
    expect(r.changes).toMatchObject([{ path: "/spec/template/spec/containers/0/securityContext", type: "removed" }]);
  });
});

describe("hand changes without an owner", () => {
  it("an undeclared value nobody owns that differs from the default is drift; the default itself is not", () => {
    expect(check(deployment({}), deployment({ replicas: 1 }, [applied])).status).toBe("InSync");
    expect(check(deployment({}), deployment({ replicas: 3 }, [applied])).changes).toMatchObject([
      { path: "/spec/replicas", type: "added", live: 3, by: null },
    ]);
  });

  it("a controller-owned value stays quiet, and under an HPA the replicas are listed as ignored", () => {
    const hpa: KubeObject = {
      apiVersion: "autoscaling/v2",
      kind: "HorizontalPodAutoscaler",
      metadata: { name: "api", namespace: "ns" },
      spec: { scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "api" } },
    };
    const byController: ManagedFieldsEntry = {
      manager: "kube-controller-manager",
      operation: "Update",
      subresource: "scale",
      fieldsV1: { "f:spec": { "f:replicas": {} } },
    };
    const live = deployment({ replicas: 4 }, [applied, byController]);
    expect(check(deployment({}), live).status).toBe("InSync");
    const r = check(deployment({}), live, { hpas: [hpa] });
    expect(r.status).toBe("InSync");
    expect(r.ignored).toEqual([{ path: "/spec/replicas", reason: "autoscaled by HorizontalPodAutoscaler/api" }]);
  });
});

describe("hand changes without an owner, against the last observation (the baseline)", () => {
  // A custom resource whose CRD gives `replicas` no default, scaled through /scale: no owner is recorded.
  const widget = (spec: Record<string, unknown>, managedFields?: ManagedFieldsEntry[]): KubeObject => ({
    apiVersion: "example.com/v1",
    kind: "Widget",
    metadata: { name: "w", namespace: "ns", ...(managedFields ? { managedFields } : {}) },
    spec: { size: "m", ...spec },
  });
  const owned: ManagedFieldsEntry = {
    manager: "confighub",
    operation: "Apply",
    fieldsV1: { "f:spec": { "f:size": {} } },
  };
  const observe = (desired: KubeObject, live: KubeObject, baseline?: CompareInput["baseline"]) => {
    let kept: Record<string, unknown> | undefined;
    const ref = { apiVersion: desired.apiVersion, kind: desired.kind, namespace: "ns", name: desired.metadata.name };
    const result = compareObject(
      {
        desired: { ref, object: desired, source: { type: "file", path: "x.yaml" } },
        live,
        baseline,
        onUnowned: (values) => {
          kept = values;
        },
        context: { hpas: [] },
      },
      { mode: "client" },
    );
    return { result, kept: kept as Record<string, unknown> };
  };

  it("an unowned value that differs from the one observed before is drift, and stays drift until it is back", () => {
    const desired = widget({});
    const first = observe(desired, widget({ replicas: 2 }, [owned]));
    expect(first.result.status).toBe("InSync"); // no default known: without a baseline it cannot be told
    expect(first.kept).toEqual({ "spec.replicas": 2 });

    const scaled = observe(desired, widget({ replicas: 5 }, [owned]), { values: first.kept, sameDelivery: true });
    expect(scaled.result.changes).toMatchObject([{ path: "/spec/replicas", type: "added", live: 5, by: null }]);
    expect(scaled.kept).toEqual({ "spec.replicas": 2 }); // the baseline value is carried, not the hand change

    const again = observe(desired, widget({ replicas: 5 }, [owned]), { values: scaled.kept, sameDelivery: false });
    expect(again.result.status).toBe("Drifted"); // even after a new delivery, a changed value stays drift
    const back = observe(desired, widget({ replicas: 2 }, [owned]), { values: again.kept, sameDelivery: true });
    expect(back.result.status).toBe("InSync");
  });

  it("a value that appeared since, with no owner: drift on the same delivery, not after a new one", () => {
    const desired = widget({});
    const first = observe(desired, widget({}, [owned]));
    expect(first.kept).toEqual({});
    const live = widget({ replicas: 3 }, [owned]);
    expect(observe(desired, live, { values: first.kept, sameDelivery: true }).result.changes).toMatchObject([
      { path: "/spec/replicas", live: 3, by: null },
    ]);
    expect(observe(desired, live, { values: first.kept, sameDelivery: false }).result.status).toBe("InSync");
  });

  it("keeps Secret values masked in the baseline", () => {
    const secret = (data: Record<string, string>): KubeObject => ({
      apiVersion: "v1",
      kind: "Secret",
      metadata: {
        name: "s",
        namespace: "ns",
        managedFields: [{ manager: "confighub", operation: "Apply", fieldsV1: { "f:data": { "f:a": {} } } }],
      },
      data,
    });
    const clear = Buffer.from("hunter2").toString("base64");
    const { kept } = observe(secret({ a: "YQ==" }), secret({ a: "YQ==", b: clear }));
    expect(JSON.stringify(kept)).not.toContain(clear);
    expect(Object.keys(kept)).toEqual(["data.b"]);
    const changed = observe(secret({ a: "YQ==" }), secret({ a: "YQ==", b: "eA==" }), {
      values: kept,
      sameDelivery: true,
    });
    expect(changed.result.changes).toMatchObject([{ path: "/data/b", masked: true }]);
  });
});

describe("published schemas", () => {
  const published: OpenAPISchema = {
    type: "object",
    properties: {
      spec: {
        type: "object",
        properties: {
          progressDeadlineSeconds: { type: "integer", default: 900 },
          newField: { type: "string", default: "On" },
          items: {
            type: "array",
            items: { type: "object" },
            "x-kubernetes-list-type": "map",
            "x-kubernetes-list-map-keys": ["id"],
          },
        },
      },
    },
  };

  it("complete the table: a published default the table lacks, the table winning where both speak", () => {
    const node = withPublished(schemaFor("apps/v1", "Deployment"), published);
    const spec = node.fields?.spec?.fields;
    expect(spec?.newField?.dflt).toBe("On");
    expect(spec?.progressDeadlineSeconds?.dflt).toBe(600);
    expect(spec?.items?.listKey).toEqual({ fields: ["id"], defaults: undefined });
    expect(withPublished(schemaFor("apps/v1", "Deployment"), published)).toBe(node); // made once
  });

  it("make a published default quiet in the comparison", () => {
    const live = deployment({ newField: "On" }, [
      { manager: "kubectl-create", operation: "Update", fieldsV1: { "f:spec": { "f:newField": {} } } },
    ]);
    expect(check(deployment({}), live).status).toBe("Drifted");
    expect(check(deployment({}), live, { publishedSchema: published }).status).toBe("InSync");
  });
});

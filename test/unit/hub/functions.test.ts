import { describe, expect, it } from "vitest";
import { parseUnitData } from "../../../src/hub/data.js";
import { imageRepository, runFunctions } from "../../../src/hub/functions.js";

const data = `# the backend
apiVersion: apps/v1
kind: Deployment
metadata:
  name: backend
spec:
  replicas: 2 # two by default
  template:
    spec:
      containers:
        - name: backend
          image: ghcr.io/confighubai/cubbychat/backend:1.1.1
          env:
            - name: DATABASE_URL
              value: postgres://db
        - name: sidecar
          image: busybox:1.36
---
apiVersion: v1
kind: Service
metadata:
  name: backend
`;

const inv = (FunctionName: string, args: Record<string, string | number> = {}) => ({
  FunctionName,
  Arguments: Object.entries(args).map(([ParameterName, Value]) => ({ ParameterName, Value })),
});

describe("hub functions", () => {
  it("set-image-reference replaces only the tag of the named container and keeps comments", () => {
    const out = runFunctions(data, [
      inv("set-image-reference", { "container-name": "backend", "image-reference": ":1.1.2" }),
    ]);
    expect(out.mutated).toBe(true);
    expect(out.data).toContain("image: ghcr.io/confighubai/cubbychat/backend:1.1.2");
    expect(out.data).toContain("image: busybox:1.36");
    expect(out.data).toContain("# the backend");
    expect(out.data).toContain("replicas: 2 # two by default");
    expect(parseUnitData(out.data)).toHaveLength(2);
  });

  it("set-image, set-replicas and set-env-var edit what they name; unchanged data is not a mutation", () => {
    let out = runFunctions(data, [
      inv("set-image", { "container-name": "sidecar", "container-image": "busybox:1.37" }),
      inv("set-replicas", { replicas: 5 }),
    ]);
    const [dep] = parseUnitData(out.data) as unknown as Array<{
      spec: { replicas: number; template: { spec: { containers: Array<{ image: string; env?: unknown }> } } };
    }>;
    expect(dep.spec.replicas).toBe(5);
    expect(dep.spec.template.spec.containers[1].image).toBe("busybox:1.37");
    out = runFunctions(out.data, [
      inv("set-env-var", { "container-name": "backend", "env-var": "LOG_LEVEL", "env-value": "debug" }),
    ]);
    expect(out.mutated).toBe(true);
    expect((parseUnitData(out.data)[0] as unknown as typeof dep).spec.template.spec.containers[0].env).toEqual([
      { name: "DATABASE_URL", value: "postgres://db" },
      { name: "LOG_LEVEL", value: "debug" },
    ]);
    expect(runFunctions(out.data, [inv("set-replicas", { replicas: 5 })]).mutated).toBe(false);
  });

  it("get-replicas reads without changing", () => {
    const out = runFunctions(data, [inv("get-replicas")]);
    expect(out).toMatchObject({ mutated: false, output: [{ kind: "Deployment", name: "backend", replicas: 2 }] });
  });

  it("rejects unknown functions, missing arguments and bad values", () => {
    expect(() => runFunctions(data, [inv("set-everything")])).toThrow(/unknown function "set-everything"/);
    expect(() => runFunctions(data, [inv("set-image", { "container-name": "backend" })])).toThrow(
      /container-image is required/,
    );
    expect(() => runFunctions(data, [inv("set-replicas", { replicas: "many" })])).toThrow(/whole number/);
    expect(() =>
      runFunctions(data, [inv("set-image-reference", { "container-name": "backend", "image-reference": "1.2" })]),
    ).toThrow(/must start with/);
  });

  it.each([
    ["ghcr.io/a/b:1.1", "ghcr.io/a/b"],
    ["localhost:5000/b:1", "localhost:5000/b"],
    ["localhost:5000/b", "localhost:5000/b"],
    ["b@sha256:abc", "b"],
    ["b:1@sha256:abc", "b"],
  ])("image repository of %s is %s", (image, repo) => expect(imageRepository(image)).toBe(repo));
});

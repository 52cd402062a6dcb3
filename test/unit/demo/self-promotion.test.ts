import { describe, expect, it } from "vitest";
import { withInterval } from "../../../src/demo/self-promotion.js";

const DATA = `apiVersion: v1
kind: Service
metadata:
  name: drift-detector
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: drift-detector # the workload
spec:
  template:
    spec:
      containers:
        - name: drift-detector
          env:
            - name: DRIFT_MODE
              value: client
            - name: DRIFT_INTERVAL
              value: "5m"
`;

describe("withInterval", () => {
  it("changes only the Deployment's DRIFT_INTERVAL, keeping the rest of the text", () => {
    const out = withInterval(DATA, "2m");
    expect(out).toBe(DATA.replace('value: "5m"', 'value: "2m"'));
  });

  it("says so when there is no interval to change", () => {
    expect(() => withInterval("kind: ConfigMap\n", "2m")).toThrow(/no DRIFT_INTERVAL/);
  });
});

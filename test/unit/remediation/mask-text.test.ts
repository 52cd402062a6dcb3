import { describe, expect, it } from "vitest";
import { maskUnitText } from "../../../src/remediation/mask-text.js";

describe("maskUnitText", () => {
  it("masks Secret data, secret-like keys, secret env values and credentials, and keeps the rest", () => {
    const unit = `apiVersion: v1
kind: Secret
metadata: {name: db}
stringData:
  password: hunter2
  user: app
type: Opaque
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
  API_TOKEN: tok-123
  dsn: postgres://app:pw@db/app
  mode: fast
---
kind: Deployment
spec:
  template:
    spec:
      containers:
        - name: web
          env:
            - name: DB_PASSWORD
              value: s3cret
            - name: LOG_LEVEL
              value: debug
`;
    const out = maskUnitText(`${unit}---\nkind: Secret\ndata: {token: dG9r}\n`);
    expect(out).not.toContain("dG9r");
    for (const secret of ["hunter2", "app\n", "tok-123", "pw@db", "s3cret"]) expect(out).not.toContain(secret);
    for (const kept of ["type: Opaque", "mode: fast", "value: debug", "name: DB_PASSWORD", "name: settings"]) {
      expect(out).toContain(kept);
    }
  });

  it("masks a Secret's data that comes before its kind", () => {
    const out = maskUnitText(
      "apiVersion: v1\ndata:\n  db: aHVudGVyMg==\nkind: Secret\nmetadata:\n  name: db\n---\ndata:\n  mode: fast\nkind: ConfigMap\n",
    );
    expect(out).not.toContain("aHVudGVyMg==");
    expect(out).toContain("mode: fast");
    expect(out).toContain("name: db");
  });
});

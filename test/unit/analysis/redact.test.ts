// Redaction: what may never reach a model or a debug log.
import { describe, expect, it } from "vitest";
import { createRedactor, REDACTED, WITHHELD } from "../../../src/analysis/redact.js";
import { scenarios } from "./fixtures.js";

const r = createRedactor(["sk-ant-api03-known-secret-key"]);
const deployment = scenarios.envAdded.ref;

describe("redaction", () => {
  it("withholds Secret data of any object, masked by the engine or not", () => {
    const obj = {
      kind: "Secret",
      data: { PASSWORD: "czNjcmV0" },
      stringData: { TOKEN: "plain" },
      metadata: { name: "s" },
    };
    expect(r.value(obj)).toEqual({ ...obj, data: { PASSWORD: WITHHELD }, stringData: { TOKEN: WITHHELD } });
    const change = {
      ...scenarios.secretChangedMasked.changes[0],
      masked: false,
      desired: "czNjcmV0",
      live: "aHVudGVy",
    };
    expect(r.change(change, scenarios.secretChangedMasked.ref)).toMatchObject({
      desired: WITHHELD,
      live: WITHHELD,
      masked: true,
    });
  });

  it("redacts values of env vars and keys whose names look secret", () => {
    for (const name of ["DB_PASSWORD", "api_token", "AWS_SECRET_ACCESS_KEY", "privateKey", "Api-Key"]) {
      expect(r.value({ name, value: "v4lue" })).toEqual({ name, value: REDACTED });
      expect(r.value({ [name]: "v4lue" })).toEqual({ [name]: REDACTED });
    }
    expect(r.value({ name: "LOG_LEVEL", value: "debug" })).toEqual({ name: "LOG_LEVEL", value: "debug" });
    // references name secrets, they are not secrets
    const ref = { name: "DB_PASSWORD", valueFrom: { secretKeyRef: { name: "db", key: "password" } } };
    expect(r.value(ref)).toEqual(ref);
    const envValue = {
      ...scenarios.envAdded.changes[0],
      path: "/spec/template/spec/containers/0/env/1/value",
      field: "spec.template.spec.containers[name=backend].env[name=SESSION_SECRET].value",
      type: "changed" as const,
      desired: "old-s3cret",
      live: "new-s3cret",
    };
    expect(r.change(envValue, deployment)).toMatchObject({ desired: REDACTED, live: REDACTED });
    const dataKey = { ...scenarios.configMapEdited.changes[0], path: "/data/DB_PASSWORD", field: "data.DB_PASSWORD" };
    expect(r.change(dataKey, scenarios.configMapEdited.ref)).toMatchObject({ desired: REDACTED, live: REDACTED });
  });

  it("removes credential-looking strings anywhere", () => {
    const cases = [
      "Authorization: Bearer abcdefghijklmnop1234",
      "key sk-ant-api03-abcdefghijklmnop",
      "token ghp_abcdefghijklmnopqrstuvwxyz0123456789",
      "AKIAABCDEFGHIJKLMNOP",
      "jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZG1pbiJ9.c2lnbmF0dXJlLXZhbHVl",
      "postgres://chat:pa55word@db:5432/chat",
      "password=hunter2 user=bob",
      "-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----",
    ];
    const leaks = [
      "abcdefghijklmnop1234",
      "sk-ant-api03-abcdefghijklmnop",
      "ghp_abc",
      "AKIAABCDEFGHIJKLMNOP",
      "c2lnbmF0dXJl",
      "pa55word",
      "hunter2",
      "MIIEow",
    ];
    const out = cases.map((c) => r.text(c)).join("\n");
    for (const leak of leaks) expect(out).not.toContain(leak);
    expect(r.text("postgres://chat:pa55word@db:5432/chat")).toBe(`postgres://chat:${REDACTED}@db:5432/chat`);
    expect(r.text("password=hunter2 user=bob")).toBe(`password=${REDACTED} user=bob`);
  });

  it("removes known secrets verbatim and in base64", () => {
    const b64 = Buffer.from("sk-ant-api03-known-secret-key").toString("base64");
    expect(r.text(`a sk-ant-api03-known-secret-key b ${b64}`)).not.toMatch(/known-secret|c2stYW50/);
  });

  it("leaves ordinary content alone", () => {
    const obj = { image: "ghcr.io/confighubai/cubbychat/backend:1.1.2", replicas: 5, labels: { app: "backend" } };
    expect(r.value(obj)).toEqual(obj);
    expect(r.change(scenarios.manualScale.changes[0], deployment)).toEqual(scenarios.manualScale.changes[0]);
  });

  it("drops the last-applied annotation (it can carry a whole Secret)", () => {
    const meta = {
      annotations: { "kubectl.kubernetes.io/last-applied-configuration": '{"kind":"Secret","data":{"A":"eA=="}}' },
    };
    expect(JSON.stringify(r.value(meta))).not.toContain("eA==");
  });
});

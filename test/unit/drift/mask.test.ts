import { describe, expect, it } from "vitest";
import { maskScalar as maskValue } from "../../../src/drift/mask.js";
import { loadFixture, MODES, run } from "./fixtures.js";

const SECRETS = ["s3cret-value", "hunter2-value", "czNjcmV0LXZhbHVl", "aHVudGVyMi12YWx1ZQ=="];

describe("Secret values", () => {
  it.each(MODES)("never appear in a result, plain or base64 [%s]", (mode) => {
    const r = run(loadFixture("story/secret-rotated"), mode);
    const text = JSON.stringify(r);
    for (const s of SECRETS) expect(text).not.toContain(s);
    const [ch] = r.changes;
    expect(ch).toMatchObject({ path: "/data/PASSWORD", field: "data.PASSWORD", masked: true });
    expect(ch.desired).toMatch(/^\*\*\*[0-9a-f]{8}$/);
    expect(ch.live).toMatch(/^\*\*\*[0-9a-f]{8}$/);
    expect(ch.desired).not.toBe(ch.live);
  });

  it("equal values hash equal, so a masked diff still tells same from different", () => {
    const client = run(loadFixture("story/secret-rotated"), "client").changes[0];
    const server = run(loadFixture("story/secret-rotated"), "server").changes[0];
    expect(client.desired).toBe(server.desired); // stringData in desired and data from the server: same value
    expect(maskValue("a", "k")).toBe(maskValue("a", "k"));
    expect(maskValue("a", "k")).not.toBe(maskValue("a", "other-key"));
  });

  it("masks whole maps and added keys", () => {
    const fx = loadFixture("ssa/secret-db-credentials");
    (fx.live.data as Record<string, string>).EXTRA = Buffer.from("t0psecret").toString("base64");
    fx.live.metadata.managedFields!.push({
      manager: "kubectl-edit",
      operation: "Update",
      fieldsV1: { "f:data": { "f:EXTRA": {} } },
    });
    const r = run(fx, "client");
    expect(r.changes).toMatchObject([{ path: "/data/EXTRA", type: "added", masked: true, severity: "high" }]);
    expect(JSON.stringify(r)).not.toContain(Buffer.from("t0psecret").toString("base64"));
    fx.live.data = undefined as unknown as Record<string, string>;
    const removed = run(fx, "client");
    expect(removed.changes).toMatchObject([{ path: "/data", type: "removed", masked: true }]);
    expect(JSON.stringify(removed)).not.toContain("czNjcmV0LXZhbHVl");
    expect((removed.changes[0].desired as Record<string, string>).PASSWORD).toMatch(/^\*\*\*/);
  });

  it("does not mask ConfigMaps", () => {
    expect(run(loadFixture("story/configmap-edited"), "client").changes[0]).toMatchObject({
      masked: false,
      live: "debug",
    });
  });
});

describe("the last-applied annotation", () => {
  it("never travels into a change, even from an exported desired manifest", () => {
    const fx = loadFixture("csa/secret-db-credentials");
    const lastApplied = fx.live.metadata.annotations?.["kubectl.kubernetes.io/last-applied-configuration"];
    expect(lastApplied).toContain("s3cret-value"); // what client-side apply leaves on a Secret
    fx.desired.metadata.annotations = { team: "db", "kubectl.kubernetes.io/last-applied-configuration": lastApplied! };
    fx.live.metadata.annotations = undefined;
    const r = run(fx, "client");
    expect(r.changes).toMatchObject([{ path: "/metadata/annotations", type: "removed", desired: { team: "db" } }]);
    expect(JSON.stringify(r)).not.toContain("s3cret-value");
  });
});

// Masking beyond Secret data: values under secret-like names (ConfigMap keys, annotations, env vars) and values that
// look like credentials, wherever they sit; masked on both sides of a change, whole subtrees included.
import { describe, expect, it } from "vitest";
import { compareObject } from "../../../src/drift/engine.js";
import type { KubeObject } from "../../../src/drift/types.js";

const PLANTED = [
  "hunter2-planted",
  "postgres://app:pw-planted@db:5432/app",
  "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJwbGFudGVkIn0.c2lnbmF0dXJlLXBsYW50ZWQ",
];

function compare(desired: KubeObject, live: KubeObject) {
  return compareObject(
    {
      desired: {
        ref: { apiVersion: desired.apiVersion, kind: desired.kind, namespace: "ns", name: desired.metadata.name },
        object: desired,
        source: { type: "file", path: "x.yaml" },
      },
      live,
      context: { hpas: [] },
    },
    { mode: "client", secretHashKey: "per-install-key" },
  );
}

const meta = (annotations?: Record<string, string>) => ({ name: "app", namespace: "ns", annotations });

describe("masking beyond Secret data", () => {
  it("masks ConfigMap values under secret-like keys and values that look like credentials, not the others", () => {
    const desired = {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: meta(),
      data: { DB_PASSWORD: "old", URL: "x", mode: "fast" },
    };
    const live = {
      ...desired,
      data: { DB_PASSWORD: PLANTED[0]!, URL: PLANTED[1]!, mode: "slow", EXTRA_TOKEN: "t" },
    } as KubeObject;
    const r = compare(desired as KubeObject, live);
    const text = JSON.stringify(r);
    for (const p of PLANTED) expect(text).not.toContain(p);
    expect(text).not.toContain('"old"'); // the other side of a masked change is masked too
    const byPath = Object.fromEntries(r.changes.map((c) => [c.path, c]));
    expect(byPath["/data/DB_PASSWORD"]).toMatchObject({ masked: true, live: expect.stringMatching(/^\*\*\*/) });
    expect(byPath["/data/URL"]).toMatchObject({ masked: true });
    expect(byPath["/data/mode"]).toMatchObject({ masked: false, desired: "fast", live: "slow" });
    expect(byPath["/data/EXTRA_TOKEN"]).toMatchObject({ masked: true });
  });

  it("masks env values under secret-like names, annotations and JWTs anywhere, whole added items included", () => {
    const pod = (env: unknown[], annotations?: Record<string, string>) =>
      ({
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: meta(annotations),
        spec: { template: { spec: { containers: [{ name: "c", image: "i", env }] } } },
      }) as unknown as KubeObject;
    const desired = pod([
      { name: "DB_PASSWORD", value: "old" },
      { name: "LOG_LEVEL", value: "info" },
    ]);
    const live = pod(
      [
        { name: "DB_PASSWORD", value: PLANTED[0] },
        { name: "LOG_LEVEL", value: "debug" },
        { name: "API_KEY", value: "k-planted-added" },
        { name: "NOTE", value: PLANTED[2] },
      ],
      { "example.com/auth-token": "a-planted", "example.com/owner": "team-a" },
    );
    const r = compare(desired, live);
    const text = JSON.stringify(r);
    for (const p of [PLANTED[0]!, PLANTED[2]!, "k-planted-added", "a-planted"]) expect(text).not.toContain(p);
    expect(text).toContain("debug"); // not secret
    expect(text).toContain("team-a");
    expect(text).toContain("API_KEY"); // the name stays, the value is masked
  });
});

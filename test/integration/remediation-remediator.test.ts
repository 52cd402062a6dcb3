// The Remediator's rules on the real embedded store (PGlite): modes, unknown and resolved records, refusals that
// write nothing (masked Secret values, directory sources), ignore as snooze or rule, and an audit entry for each.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Change } from "../../src/drift/types.js";
import { DriftRemediator } from "../../src/remediation/remediator.js";
import { RemediationStore } from "../../src/remediation/store.js";
import { type DriftRecordView, RemediationError, type RemediationTarget } from "../../src/remediation/types.js";
import type { Database } from "../../src/store/database.js";
import { openStore } from "../../src/store/open.js";
import { aChange, aRecordView } from "../helpers/builders.js";

let db: Database;
let store: RemediationStore;
const now = new Date("2026-11-26T10:00:00Z");

const change = (c: Partial<Change>): Change =>
  aChange({
    by: { manager: "kubectl", operation: "Update", subresource: "scale", time: "2026-11-26T09:59:00Z" },
    ...c,
  });

const records: Record<string, DriftRecordView> = {
  open: aRecordView({
    id: "open",
    ref: { apiVersion: "apps/v1", kind: "Deployment", namespace: "qa", name: "web" },
    source: { type: "hub", space: "qa", unit: "web", revision: 3 },
    changes: [change({})],
  }),
};
records.resolved = { ...records.open!, id: "resolved", status: "resolved" };
records.secret = {
  ...records.open!,
  id: "secret",
  ref: { apiVersion: "v1", kind: "Secret", namespace: "qa", name: "db" },
  changes: [
    change({ path: "/data/password", field: "data.password", masked: true, desired: "***a1b2", live: "***c3d4" }),
  ],
};
records.file = { ...records.open!, id: "file", source: { type: "file", path: "manifests/web.yaml" } };

const redetected: string[] = [];
const target: RemediationTarget = {
  kube: undefined as never, // these tests never reach the cluster
  desiredObject: async () => undefined,
  redetect: async (r) => {
    redetected.push(r.id);
    return "resolved";
  },
  hubFor: () => ({
    headRevision: async () => {
      throw new Error("the hub must not be asked");
    },
    getData: async () => {
      throw new Error("the hub must not be asked");
    },
    putData: async () => {
      throw new Error("the hub must not be asked");
    },
  }),
};

const remediator = (mode: "off" | "suggest" | "auto") =>
  new DriftRemediator({
    mode,
    store,
    records: { get: async (id) => records[id] },
    target: () => target,
    now: () => now,
  });

const ask = (r: DriftRemediator, id: string, body: Record<string, unknown>) =>
  r.act(id, { action: "revert", dryRun: false, actor: "alice", ...body } as never).catch((e: unknown) => e);

beforeAll(async () => {
  db = await openStore({ dataDir: null, databaseUrl: "" });
  store = new RemediationStore(db);
});
afterAll(async () => {
  await db?.close();
});

describe("DriftRemediator", () => {
  it("refuses every action when remediation is off, and audits the refusal", async () => {
    const err = await ask(remediator("off"), "open", { action: "revert" });
    expect(err).toBeInstanceOf(RemediationError);
    expect(err).toMatchObject({ status: 403 });
    expect((err as Error).message).toContain("DRIFT_REMEDIATION=off");
    const [entry] = await store.auditEntries({ recordId: "open" });
    expect(entry).toMatchObject({
      actor: "alice",
      action: "revert",
      outcome: "refused",
      resource: "Deployment qa/web",
    });
  });

  it("answers 404 for an unknown record and 409 for a resolved one", async () => {
    expect(await ask(remediator("suggest"), "nope", { action: "revert" })).toMatchObject({ status: 404 });
    const resolved = await ask(remediator("suggest"), "resolved", { action: "accept" });
    expect(resolved).toMatchObject({ status: 409 });
    expect((resolved as Error).message).toContain("resolved");
  });

  it("never accepts masked Secret values and never writes them anywhere", async () => {
    const err = await ask(remediator("suggest"), "secret", { action: "accept" });
    expect(err).toMatchObject({ status: 422 });
    expect((err as Error).message).toContain("masked");
    const audit = JSON.stringify(await store.auditEntries({ recordId: "secret" }));
    expect(audit).not.toContain("***");
  });

  it("refuses accept for a directory source with a clear message", async () => {
    const err = await ask(remediator("suggest"), "file", { action: "accept" });
    expect(err).toMatchObject({ status: 422 });
    expect((err as Error).message).toContain("edit that file");
  });

  it("snoozes until a time (duration or ISO), with a dry-run that stores nothing", async () => {
    const preview = await remediator("suggest").act("open", {
      action: "ignore",
      dryRun: true,
      actor: "bob",
      until: "2h",
    });
    expect(preview).toMatchObject({
      outcome: "previewed",
      message: expect.stringContaining("2026-11-26T12:00:00.000Z"),
    });
    expect((await store.activeSnoozes(now)).size).toBe(0);
    await remediator("suggest").act("open", {
      action: "ignore",
      dryRun: false,
      actor: "bob",
      until: "2026-11-27T00:00:00Z",
    });
    expect((await store.activeSnoozes(now)).get("open")).toMatchObject({
      until: "2026-11-27T00:00:00.000Z",
      createdBy: "bob",
    });
    expect(await ask(remediator("suggest"), "open", { action: "ignore", until: "soon" })).toMatchObject({
      status: 400,
    });
    expect(await ask(remediator("suggest"), "open", { action: "ignore", until: "2020-01-01T00:00:00Z" })).toMatchObject(
      {
        status: 400,
      },
    );
  });

  it("adds an ignore rule for the record's paths in the engine's format, then re-detects", async () => {
    const result = await remediator("suggest").act("open", {
      action: "ignore",
      dryRun: false,
      actor: "carol",
      reason: "HPA soon",
    });
    expect(result).toMatchObject({ outcome: "succeeded", recordState: "resolved" });
    expect(await store.ignoreRules()).toEqual([
      { paths: ["/spec/replicas"], kinds: ["Deployment"], names: ["web"], namespaces: ["qa"], reason: "HPA soon" },
    ]);
    expect(redetected).toContain("open");
    const bad = await ask(remediator("suggest"), "open", { action: "ignore", paths: ["spec.replicas"] });
    expect(bad).toMatchObject({ status: 400 });
  });

  it("keeps an audit of who did what, newest first", async () => {
    const entries = await store.auditEntries({ recordId: "open" });
    expect(entries.map((e) => [e.actor, e.action, e.dryRun, e.outcome])).toEqual([
      ["alice", "ignore", false, "refused"],
      ["carol", "ignore", false, "succeeded"],
      ["alice", "ignore", false, "refused"],
      ["alice", "ignore", false, "refused"],
      ["bob", "ignore", false, "succeeded"],
      ["bob", "ignore", true, "previewed"],
      ["alice", "revert", false, "refused"],
    ]);
  });
});

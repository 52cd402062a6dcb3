import { describe, expect, it } from "vitest";
import type { Change } from "../../../src/drift/types.js";
import { WriteBuffer } from "../../../src/identity/buffer.js";
import { changedPaths, digestAt } from "../../../src/identity/changed-paths.js";
import { correlate } from "../../../src/identity/correlate.js";
import { allowReview, writeFromReview } from "../../../src/identity/review.js";
import type { AdmissionWrite } from "../../../src/identity/types.js";

const T = Date.parse("2026-12-03T10:42:00Z");
/** The live Deployment: the write below left `replicas: 5`. */
const LIVE = {
  metadata: { uid: "obj-1" },
  spec: { replicas: 5, template: { spec: { containers: [{ image: "x:2" }] } } },
};

function write(over: Partial<AdmissionWrite> = {}): AdmissionWrite {
  return {
    user: { username: "system:serviceaccount:team:alice", uid: "u1", groups: ["sre"] },
    operation: "UPDATE",
    subresource: "scale",
    manager: "kubectl",
    dryRun: false,
    objectUid: "obj-1",
    paths: ["/spec/replicas"],
    digests: { "/spec/replicas": digestAt(LIVE, "/spec/replicas") },
    at: T,
    ...over,
  };
}

function change(over: Partial<Change> = {}): Change {
  return {
    path: "/spec/replicas",
    field: "spec.replicas",
    type: "changed",
    desired: 3,
    live: 5,
    masked: false,
    severity: "medium",
    by: { manager: "kubectl", operation: "Update", subresource: "scale", time: "2026-12-03T10:42:00Z" },
    ...over,
  };
}

const drift = (changes: Change[], live: unknown = LIVE) => ({
  objectUid: "obj-1",
  live,
  changes,
  observedAt: T + 2000,
});

describe("correlate", () => {
  it("names the person whose write explains the change", () => {
    const got = correlate([write()], drift([change()]), 10_000);
    expect(got).toEqual({
      known: true,
      person: { username: "system:serviceaccount:team:alice", uid: "u1", groups: ["sre"] },
      via: "kubectl",
      operation: "UPDATE",
      subresource: "scale",
      at: "2026-12-03T10:42:00.000Z",
    });
  });

  it("picks the newest of two matching writes", () => {
    const bob = write({ user: { username: "bob", uid: "u2", groups: [] }, at: T + 500 });
    const got = correlate([write(), bob], drift([change()]), 10_000);
    expect(got.known && got.person.username).toBe("bob");
  });

  it.each([
    ["another object", write({ objectUid: "obj-2" })],
    ["another field manager", write({ manager: "kubectl-edit" })],
    ["disjoint paths", write({ paths: ["/metadata/labels/x"] })],
    ["outside the window", write({ at: T - 60_000 })],
    ["a dry-run", write({ dryRun: true })],
  ])("says unknown for %s", (_name, w) => {
    expect(correlate([w], drift([change()]), 10_000)).toEqual({ known: false });
  });

  it("says unknown when a later write the webhook was not sent (a controller's) changed the value again", () => {
    const later = { ...LIVE, spec: { ...LIVE.spec, replicas: 6 } };
    expect(correlate([write()], drift([change({ live: 6 })], later), 10_000)).toEqual({ known: false });
  });

  it("judges a write that names no field manager (kubectl scale) by the object, value and time", () => {
    expect(correlate([write({ manager: "" })], drift([change()]), 10_000).known).toBe(true);
    expect(correlate([write({ manager: "", at: T - 60_000 })], drift([change()]), 10_000).known).toBe(false);
  });

  it("says unknown when the change has no field manager", () => {
    expect(correlate([write()], drift([change({ by: null })]), 10_000)).toEqual({ known: false });
  });

  it("matches a write beneath or above the changed path", () => {
    const c = change({
      path: "/spec/template/spec/containers/0/image",
      by: { ...change().by!, manager: "kubectl-set" },
    });
    const p = "/spec/template/spec/containers/0";
    const w = write({ manager: "kubectl-set", paths: [p], digests: { [p]: digestAt(LIVE, p) } });
    expect(correlate([w], drift([c]), 10_000).known).toBe(true);
  });
});

describe("WriteBuffer", () => {
  it("never stores a dry-run and keeps the size and age bounds", () => {
    const b = new WriteBuffer(2, 60_000);
    b.add(write({ dryRun: true }));
    expect(b.size).toBe(0);
    b.add(write({ at: T }));
    b.add(write({ at: T + 1 }));
    b.add(write({ at: T + 2 }));
    expect(b.forObject("obj-1", T + 2).map((w) => w.at)).toEqual([T + 1, T + 2]);
    expect(b.forObject("obj-1", T + 120_000)).toEqual([]);
  });
});

describe("writeFromReview", () => {
  it("reduces an AdmissionReview to the user, manager and changed paths", () => {
    const old = { metadata: { uid: "obj-1", resourceVersion: "1" }, spec: { replicas: 3, paused: false } };
    const neu = { metadata: { uid: "obj-1", resourceVersion: "2" }, spec: { replicas: 5, paused: false } };
    const review = {
      apiVersion: "admission.k8s.io/v1",
      kind: "AdmissionReview",
      request: {
        uid: "r1",
        operation: "UPDATE",
        subResource: "scale",
        userInfo: { username: "alice", uid: "u1", groups: ["sre", "system:authenticated"] },
        options: { fieldManager: "kubectl" },
        dryRun: false,
        oldObject: old,
        object: neu,
      },
    };
    expect(writeFromReview(review, T)).toEqual({
      user: { username: "alice", uid: "u1", groups: ["sre", "system:authenticated"] },
      operation: "UPDATE",
      subresource: "scale",
      manager: "kubectl",
      dryRun: false,
      objectUid: "obj-1",
      paths: ["/spec/replicas"],
      digests: { "/spec/replicas": digestAt(neu, "/spec/replicas") },
      at: T,
    });
  });

  it("rejects what is not a request", () => {
    expect(writeFromReview({}, T)).toBeNull();
    expect(writeFromReview(null, T)).toBeNull();
  });

  it("digests a value whatever its key order, and absence apart", () => {
    expect(digestAt({ a: { x: 1, y: 2 } }, "/a")).toBe(digestAt({ a: { y: 2, x: 1 } }, "/a"));
    expect(digestAt({ a: null }, "/a")).not.toBe(digestAt({}, "/a"));
  });

  it("lists added and removed leaves", () => {
    expect(changedPaths({ a: { b: 1 } }, { a: { c: 2 } })).toEqual(["/a/b", "/a/c"]);
  });
});

describe("allowReview", () => {
  it("always allows, echoes the uid and never patches", () => {
    expect(allowReview({ request: { uid: "r1" } })).toEqual({
      apiVersion: "admission.k8s.io/v1",
      kind: "AdmissionReview",
      response: { uid: "r1", allowed: true },
    });
    expect(allowReview("garbage")).toMatchObject({ response: { allowed: true } });
  });
});

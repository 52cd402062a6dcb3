// Pure parts of the detection loop: which watch events can change a verdict, and the debounced work queue.
import { describe, expect, it, vi } from "vitest";
import { slackMessage } from "../../../src/detector/reporters/webhook.js";
import { WorkQueue } from "../../../src/detector/work-queue.js";
import type { KubeObject } from "../../../src/drift/types.js";
import { cacheView } from "../../../src/kube/informer.js";
import { relevanceDigest } from "../../../src/kube/relevance.js";

const deployment = (): KubeObject => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: {
    name: "web",
    namespace: "qa",
    resourceVersion: "10",
    generation: 1,
    managedFields: [
      { manager: "kubectl", operation: "Apply", time: "2026-01-01T00:00:00Z", fieldsV1: { "f:spec": {} } },
      { manager: "kube-controller-manager", operation: "Update", subresource: "status", time: "2026-01-01T00:00:00Z" },
    ],
  },
  spec: { replicas: 2 },
  status: { replicas: 0 },
});

describe("relevance", () => {
  it("ignores status, resourceVersion and managedFields times", () => {
    const a = deployment();
    const b = deployment();
    b.metadata.resourceVersion = "11";
    b.status = { replicas: 2, readyReplicas: 1 };
    b.metadata.managedFields = b.metadata.managedFields?.map((m) => ({ ...m, time: "2026-02-02T00:00:00Z" }));
    expect(relevanceDigest(b)).toBe(relevanceDigest(a));
  });

  it("sees spec, metadata and ownership changes", () => {
    const a = deployment();
    const spec = deployment();
    spec.spec = { replicas: 5 };
    const label = deployment();
    label.metadata.labels = { x: "y" };
    const owner = deployment();
    owner.metadata.managedFields?.push({ manager: "kubectl-edit", operation: "Update", fieldsV1: {} });
    for (const changed of [spec, label, owner]) expect(relevanceDigest(changed)).not.toBe(relevanceDigest(a));
  });
});

describe("live cache", () => {
  it("keeps no status and no last-applied copy, but everything the engine compares and attributes", () => {
    const obj = deployment();
    obj.metadata.annotations = { "kubectl.kubernetes.io/last-applied-configuration": "{...}", team: "a" };
    const kept = cacheView(obj);
    expect(kept.status).toBeUndefined();
    expect(kept.metadata.annotations).toEqual({ team: "a" });
    expect(kept.spec).toEqual({ replicas: 2 });
    expect(kept.metadata.managedFields).toEqual(obj.metadata.managedFields);
    expect(kept.metadata.resourceVersion).toBe("10");
    expect(obj.status).toEqual({ replicas: 0 }); // the watched object itself is left alone
  });

  it("drops the managedFields entries of status writes that own nothing but status", () => {
    const obj = deployment();
    const own = obj.metadata.managedFields ?? [];
    const statusOnly = {
      manager: "kube-controller-manager",
      operation: "Update",
      subresource: "status",
      fieldsV1: { "f:status": {} },
    };
    const statusAndMore = { ...statusOnly, manager: "other", fieldsV1: { "f:status": {}, "f:metadata": {} } };
    obj.metadata.managedFields = [...own, statusOnly, statusAndMore];
    expect(cacheView(obj).metadata.managedFields).toEqual([...own, statusAndMore]);
    // Never down to none: an object without managedFields is "untracked", which changes the unowned rule.
    obj.metadata.managedFields = [statusOnly];
    expect(cacheView(obj).metadata.managedFields).toEqual([statusOnly]);
  });
});

describe("work queue", () => {
  it("debounces and keeps one entry per key", async () => {
    const q = new WorkQueue(50);
    q.add("a");
    q.add("b");
    q.add("a");
    expect(q.size).toBe(2);
    expect(q.takeDue()).toEqual([]);
    await q.wait();
    expect(q.takeDue().sort()).toEqual(["a", "b"]);
    expect(q.size).toBe(0);
  });

  it("re-adding a key postpones it", async () => {
    // A fake clock: on a loaded machine a real 50 ms sleep can last past the 80 ms debounce.
    vi.useFakeTimers();
    try {
      const q = new WorkQueue(80);
      q.add("a");
      vi.advanceTimersByTime(50);
      q.add("a");
      vi.advanceTimersByTime(50);
      expect(q.takeDue()).toEqual([]);
      const woke = q.wait();
      vi.advanceTimersByTime(30);
      await woke;
      expect(q.takeDue()).toEqual(["a"]);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe("webhook message", () => {
  it("is Slack-compatible and carries no values", () => {
    const msg = slackMessage({
      event: "opened",
      record: {
        id: "1",
        cluster: "c",
        key: "k",
        ref: { apiVersion: "v1", kind: "Secret", namespace: "qa", name: "db" },
        source: { type: "file", path: "x" },
        status: "open",
        resourceStatus: "Drifted",
        severity: "high",
        fingerprint: "f",
        changes: [
          {
            path: "/data/password",
            field: "data.password",
            type: "changed",
            desired: "***ab",
            live: "***cd",
            masked: true,
            severity: "high",
            by: null,
          },
        ],
        ignored: [],
        analysis: null,
        openedAt: "",
        updatedAt: "",
        resolvedAt: null,
        history: [],
      },
    });
    expect(typeof msg.text).toBe("string");
    expect(msg.text).toContain("Secret qa/db");
    expect(JSON.stringify(msg)).not.toContain("***");
    expect(Array.isArray(msg.blocks)).toBe(true);
  });
});

// `revert` against the sandbox's real kube-apiserver: forced only where the record names drift, live-only
// fields of imperative managers removed, and a newer change refused instead of overwritten.
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { revertDrift } from "../../src/detector/remediation/revert.js";
import { type DriftRecordView, RemediationError } from "../../src/detector/remediation/types.js";
import type { Change, DesiredObject, KubeObject } from "../../src/drift/types.js";
import { KubeClient, type KubeRequest, type KubeResponse } from "../../src/kube/client.js";
import { type Cluster, loadCluster } from "../../src/kube/cluster.js";
import { Discovery } from "../../src/kube/discovery.js";
import { applyObject, getObject } from "../../src/kube/objects.js";
import { kubectlIn, kubectlPath } from "../helpers/kube.js";

const kubeconfig = inject("kubeconfig");
const ns = `rev-${randomBytes(3).toString("hex")}`;
let cluster: Cluster;
let discovery: Discovery;

const kubectl = (...args: string[]): string => kubectlIn(ns, ...args);

function deployment(name: string): KubeObject {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, namespace: ns, labels: { app: name } },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: "app", image: "nginx:1.27", env: [{ name: "MODE", value: "a" }] }] },
      },
    },
  };
}

const desiredOf = (object: KubeObject): DesiredObject => ({
  ref: { apiVersion: object.apiVersion, kind: object.kind, namespace: ns, name: object.metadata.name },
  object,
  source: { type: "hub", space: "qa", unit: object.metadata.name, revision: 1 },
});

function recordOf(object: KubeObject, changes: Partial<Change>[], ignored: DriftRecordView["ignored"] = []) {
  return {
    id: "r1",
    status: "open",
    ref: desiredOf(object).ref,
    source: desiredOf(object).source,
    resourceStatus: "Drifted",
    severity: "medium",
    changes: changes.map((c) => ({
      field: c.path,
      masked: false,
      severity: "medium",
      by: null,
      type: "changed",
      ...c,
    })),
    ignored,
  } as DriftRecordView;
}

async function live(name: string): Promise<KubeObject> {
  const info = await discovery.resolve("apps/v1", "Deployment");
  const obj = await getObject(cluster.client, info, ns, name);
  if (!obj) throw new Error("gone");
  return obj;
}

/**
 * The real client, plus a hook that runs once right after revert's JSON patch of live-only fields succeeded: the
 * moment a controller's write makes the following apply's resourceVersion stale. Counts the real applies sent.
 */
class AfterRemovalClient extends KubeClient {
  applies = 0;
  private hooked = false;
  constructor(private readonly afterRemoval: () => Promise<void>) {
    super(cluster.client.kubeConfig);
  }
  override async request(req: KubeRequest): Promise<KubeResponse> {
    if (req.contentType === "application/apply-patch+yaml" && !req.query?.dryRun) this.applies++;
    const res = await super.request(req);
    if (req.contentType === "application/json-patch+json" && !this.hooked) {
      this.hooked = true;
      await this.afterRemoval();
    }
    return res;
  }
}

/** A write by someone else through the real API server: a merge patch under its own field manager. */
async function patchAs(manager: string, name: string, patch: unknown): Promise<void> {
  await cluster.client.request({
    method: "PATCH",
    path: `/apis/apps/v1/namespaces/${ns}/deployments/${name}`,
    query: { fieldManager: manager },
    body: patch,
    contentType: "application/merge-patch+json",
  });
}

async function hubApply(object: KubeObject): Promise<void> {
  const info = await discovery.resolve("apps/v1", "Deployment");
  await applyObject(cluster.client, info, object, { fieldManager: "confighub", force: true });
}

beforeAll(async () => {
  cluster = loadCluster({ kubeconfig });
  discovery = new Discovery(cluster.client);
  execFileSync(kubectlPath(), ["--kubeconfig", kubeconfig, "create", "namespace", ns]);
});

afterAll(async () => {
  execFileSync(kubectlPath(), ["--kubeconfig", kubeconfig, "delete", "namespace", ns, "--wait=false"]);
  await cluster.client.close();
});

describe("revert", () => {
  it("undoes a manual scale, forcing only spec.replicas, and the dry-run shows exactly that", async () => {
    const desired = deployment("scaled");
    await hubApply(desired);
    kubectl("scale", "deployment/scaled", "--replicas=5");
    const record = recordOf(desired, [{ path: "/spec/replicas", desired: 2, live: 5 }]);

    const preview = await revertDrift({ client: cluster.client, discovery }, record, desiredOf(desired), true);
    expect(preview.fields).toEqual([{ path: "/spec/replicas", before: 5, after: 2 }]);
    expect((await live("scaled")).spec).toMatchObject({ replicas: 5 }); // the dry-run wrote nothing

    await revertDrift({ client: cluster.client, discovery }, record, desiredOf(desired), false);
    const after = await live("scaled");
    expect(after.spec).toMatchObject({ replicas: 2 });
    // kubectl's scale subresource entry no longer owns spec.replicas: the hub does (status belongs to the controller).
    const owners = (after.metadata.managedFields ?? []).filter(
      (m) => m.subresource !== "status" && JSON.stringify(m.fieldsV1).includes('"f:replicas"'),
    );
    expect(owners.map((m) => m.manager)).toEqual(["confighub"]);
  });

  it("removes live-only fields written by imperative managers (a label, an env var) for good", async () => {
    const desired = deployment("extra");
    await hubApply(desired);
    kubectl("label", "deployment/extra", "hotfix=yes");
    kubectl("set", "env", "deployment/extra", "DEBUG=1");
    const before = await live("extra");
    const env = (before.spec as never as { template: { spec: { containers: { env: unknown[] }[] } } }).template.spec
      .containers[0]!.env;
    expect(env).toEqual([
      { name: "MODE", value: "a" },
      { name: "DEBUG", value: "1" },
    ]);
    const record = recordOf(desired, [
      { path: "/metadata/labels/hotfix", type: "added", live: "yes" },
      { path: "/spec/template/spec/containers/0/env/1", type: "added", live: { name: "DEBUG", value: "1" } },
    ]);

    const preview = await revertDrift({ client: cluster.client, discovery }, record, desiredOf(desired), true);
    expect(preview.fields.map((f) => f.path).sort()).toEqual([
      "/metadata/labels/hotfix",
      "/spec/template/spec/containers/0/env/1",
    ]);

    await revertDrift({ client: cluster.client, discovery }, record, desiredOf(desired), false);
    const after = await live("extra");
    expect(after.metadata.labels).toEqual({ app: "extra" });
    expect(JSON.stringify(after.spec)).not.toContain("DEBUG");
    // A later hub apply must not bring them back (nobody still owns them).
    await hubApply(desired);
    const again = await live("extra");
    expect(again.metadata.labels).toEqual({ app: "extra" });
    expect(JSON.stringify(again.spec)).not.toContain("DEBUG");
  });

  it("finishes when a controller's write made the apply stale right after the live-only fields were removed", async () => {
    const desired = deployment("churn");
    await hubApply(desired);
    kubectl("label", "deployment/churn", "hotfix=yes");
    kubectl("set", "env", "deployment/churn", "DEBUG=1");
    kubectl("scale", "deployment/churn", "--replicas=5");
    const record = recordOf(desired, [
      { path: "/metadata/labels/hotfix", type: "added", live: "yes" },
      { path: "/spec/template/spec/containers/0/env/1", type: "added", live: { name: "DEBUG", value: "1" } },
      { path: "/spec/replicas", desired: 2, live: 5 },
    ]);
    const client = new AfterRemovalClient(() =>
      patchAs("rollout-controller", "churn", { metadata: { annotations: { "example.com/observed": "1" } } }),
    );
    try {
      const out = await revertDrift({ client, discovery }, record, desiredOf(desired), false);
      // The first apply met the stale resourceVersion; the retry found the removed fields gone and went on.
      // (The real deployment controller's status writes may cost further retries on a busy machine.)
      expect(client.applies).toBeGreaterThanOrEqual(2);
      expect(out.removed.sort()).toEqual(["/metadata/labels/hotfix", "/spec/template/spec/containers/0/env/1"]);
      expect(out.fields.map((f) => f.path).sort()).toEqual([
        "/metadata/labels/hotfix",
        "/spec/replicas",
        "/spec/template/spec/containers/0/env/1",
      ]);
    } finally {
      await client.close();
    }
    const after = await live("churn");
    expect(after.metadata.labels).toEqual({ app: "churn" });
    expect(after.metadata.annotations?.["example.com/observed"]).toBe("1"); // the controller's write stays
    expect(after.spec).toMatchObject({ replicas: 2 });
    expect(JSON.stringify(after.spec)).not.toContain("DEBUG");
  });

  it("still refuses when a removed field came back with a third value before the retry", async () => {
    const desired = deployment("third");
    await hubApply(desired);
    kubectl("label", "deployment/third", "hotfix=yes");
    kubectl("scale", "deployment/third", "--replicas=5");
    const record = recordOf(desired, [
      { path: "/metadata/labels/hotfix", type: "added", live: "yes" },
      { path: "/spec/replicas", desired: 2, live: 5 },
    ]);
    const client = new AfterRemovalClient(() =>
      patchAs("kubectl-label", "third", { metadata: { labels: { hotfix: "again" } } }),
    );
    const err = await revertDrift({ client, discovery }, record, desiredOf(desired), false)
      .catch((e: unknown) => e)
      .finally(() => client.close());
    expect(err).toBeInstanceOf(RemediationError);
    expect((err as RemediationError).status).toBe(409);
    expect((err as Error).message).toContain("/metadata/labels/hotfix");
    expect(client.applies).toBe(1);
    const after = await live("third");
    expect(after.metadata.labels).toEqual({ app: "third", hotfix: "again" });
    expect(after.spec).toMatchObject({ replicas: 5 }); // nothing forced
  });

  it("accepts a declared field that someone already set back to the desired value", async () => {
    const desired = deployment("byhand");
    await hubApply(desired);
    kubectl("scale", "deployment/byhand", "--replicas=5");
    kubectl("set", "image", "deployment/byhand", "app=nginx:1.28");
    const record = recordOf(desired, [
      { path: "/spec/replicas", desired: 2, live: 5 },
      { path: "/spec/template/spec/containers/0/image", desired: "nginx:1.27", live: "nginx:1.28" },
    ]);
    kubectl("scale", "deployment/byhand", "--replicas=2");
    const out = await revertDrift({ client: cluster.client, discovery }, record, desiredOf(desired), false);
    expect(out.fields).toEqual([
      { path: "/spec/template/spec/containers/0/image", before: "nginx:1.28", after: "nginx:1.27" },
    ]);
    const after = await live("byhand");
    expect(after.spec).toMatchObject({ replicas: 2 });
    expect(JSON.stringify(after.spec)).toContain("nginx:1.27");
  });

  it("refuses when the field changed again after the drift was recorded, and forces nothing", async () => {
    const desired = deployment("newer");
    await hubApply(desired);
    kubectl("scale", "deployment/newer", "--replicas=5");
    const record = recordOf(desired, [{ path: "/spec/replicas", desired: 2, live: 5 }]);
    kubectl("scale", "deployment/newer", "--replicas=7");
    await expect(revertDrift({ client: cluster.client, discovery }, record, desiredOf(desired), false)).rejects.toThrow(
      RemediationError,
    );
    expect((await live("newer")).spec).toMatchObject({ replicas: 7 });
  });

  it("refuses a revert that would also change a field the record does not name", async () => {
    const desired = deployment("unnamed");
    await hubApply(desired);
    kubectl("scale", "deployment/unnamed", "--replicas=5");
    kubectl("set", "image", "deployment/unnamed", "app=nginx:1.28");
    const record = recordOf(desired, [{ path: "/spec/replicas", desired: 2, live: 5 }]);
    const err = await revertDrift({ client: cluster.client, discovery }, record, desiredOf(desired), false).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(RemediationError);
    expect((err as RemediationError).status).toBe(409);
    expect((err as Error).message).toContain("/spec/template/spec/containers/0/image");
    const after = await live("unnamed");
    expect(after.spec).toMatchObject({ replicas: 5 });
  });

  it("leaves fields the record lists as ignored (autoscaled replicas) to their owner", async () => {
    const desired = deployment("hpa");
    await hubApply(desired);
    kubectl("scale", "deployment/hpa", "--replicas=4");
    kubectl("set", "image", "deployment/hpa", "app=nginx:1.28");
    const record = recordOf(
      desired,
      [{ path: "/spec/template/spec/containers/0/image", desired: "nginx:1.27", live: "nginx:1.28" }],
      [{ path: "/spec/replicas", reason: "autoscaled by HorizontalPodAutoscaler/hpa" }],
    );
    await revertDrift({ client: cluster.client, discovery }, record, desiredOf(desired), false);
    const after = await live("hpa");
    expect(after.spec).toMatchObject({ replicas: 4 });
    expect(JSON.stringify(after.spec)).toContain("nginx:1.27");
  });

  it("creates a Missing object", async () => {
    const desired = deployment("missing");
    const record = { ...recordOf(desired, []), resourceStatus: "Missing" } as DriftRecordView;
    const preview = await revertDrift({ client: cluster.client, discovery }, record, desiredOf(desired), true);
    expect(preview.created).toBe(true);
    await revertDrift({ client: cluster.client, discovery }, record, desiredOf(desired), false);
    expect((await live("missing")).spec).toMatchObject({ replicas: 2 });
  });
});

// `revert` against the sandbox's real kube-apiserver: forced only where the record names drift, live-only
// fields of imperative managers removed, and a newer change refused instead of overwritten.
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { detect } from "../../src/detection/detect.js";
import type { Change, DesiredObject, KubeObject } from "../../src/drift/types.js";
import { KubeClient, type KubeRequest, type KubeResponse } from "../../src/kube/client.js";
import { type Cluster, loadCluster } from "../../src/kube/cluster.js";
import { Discovery } from "../../src/kube/discovery.js";
import { applyObject, getObject } from "../../src/kube/objects.js";
import { revertDrift } from "../../src/remediation/revert.js";
import { type DriftRecordView, RemediationError } from "../../src/remediation/types.js";
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

const podSpec = (o: KubeObject) =>
  (o.spec as { template: { spec: { containers: Record<string, unknown>[] } } }).template.spec;
/** The env list of the (first) app container. */
const envOf = (o: KubeObject) => podSpec(o).containers[0]!.env;

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

/** A detection in server mode of the object now, against `object` as the desired state. */
async function detectNow(object: KubeObject) {
  const [result] = await detect({ objects: [desiredOf(object)], errors: [], version: "t" }, cluster, {
    mode: "server",
    discovery,
  });
  return result;
}

/** The record a detection in server mode makes of the object now (real paths, fields and live values). */
async function detected(object: KubeObject): Promise<DriftRecordView> {
  const result = await detectNow(object);
  if (result?.status !== "Drifted") throw new Error(`expected drift, got ${JSON.stringify(result)}`);
  const { ref, source, changes, ignored } = result;
  return { id: "r1", status: "open", ref, source, resourceStatus: "Drifted", severity: "medium", changes, ignored };
}

async function live(name: string): Promise<KubeObject> {
  const info = await discovery.resolve("apps/v1", "Deployment");
  const obj = await getObject(cluster.client, info, ns, name);
  if (!obj) throw new Error("gone");
  return obj;
}

/**
 * The real client, plus a hook that runs once right after the first request of one kind succeeded: after revert's
 * JSON patch of live-only fields (the moment a controller's write makes the following apply's resourceVersion
 * stale), or after its dry-run apply (someone else writes between revert's plan and its first write). Counts the
 * real writes sent.
 */
class HookedClient extends KubeClient {
  applies = 0;
  patches = 0;
  private hooked = false;
  constructor(
    private readonly hook: () => Promise<void>,
    private readonly after: "removal" | "dry-run" = "removal",
  ) {
    super(cluster.client.kubeConfig);
  }
  override async request(req: KubeRequest): Promise<KubeResponse> {
    const apply = req.contentType === "application/apply-patch+yaml";
    if (apply && !req.query?.dryRun) this.applies++;
    const res = await super.request(req);
    if (req.contentType === "application/json-patch+json") this.patches++;
    const now = this.after === "removal" ? req.contentType === "application/json-patch+json" : apply;
    if (now && !this.hooked) {
      this.hooked = true;
      await this.hook();
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

/** Applies `object` as the hub does (its field manager, forced); returns it as the desired state. */
async function hubApply(object: KubeObject): Promise<KubeObject> {
  const info = await discovery.resolve("apps/v1", "Deployment");
  await applyObject(cluster.client, info, object, { fieldManager: "confighub", force: true });
  return object;
}

/** Reverts (or previews, with dryRun) the record's drift back to `desired`, through `client`. */
const revert = (record: DriftRecordView, desired: KubeObject, dryRun = false, client: KubeClient = cluster.client) =>
  revertDrift({ client, discovery }, record, desiredOf(desired), dryRun);

/** Reverts through a hooked client, closing it whatever the outcome. */
const revertThrough = (client: HookedClient, record: DriftRecordView, desired: KubeObject) =>
  revert(record, desired, false, client).finally(() => client.close());

/** The revert must refuse with 409 Conflict, naming `field` in its message. */
async function expectConflict(reverting: Promise<unknown>, field: string): Promise<void> {
  const err = await reverting.catch((e: unknown) => e);
  expect(err).toBeInstanceOf(RemediationError);
  expect((err as RemediationError).status).toBe(409);
  expect((err as Error).message).toContain(field);
}

/** A controller's unrelated write (an annotation), which makes any resourceVersion read before it stale. */
const controllerWrite = (name: string) => () =>
  patchAs("rollout-controller", name, { metadata: { annotations: { "example.com/observed": "1" } } });

/** Adds `value` at the JSON pointer `path` of deployment `name` by hand (kubectl patch), where `set` would append. */
const insertAt = (name: string, path: string, value: unknown) =>
  kubectl("patch", `deployment/${name}`, "--type=json", "-p", JSON.stringify([{ op: "add", path, value }]));

const setEnv = (name: string, assignment: string) => kubectl("set", "env", `deployment/${name}`, assignment);

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
    const desired = await hubApply(deployment("scaled"));
    kubectl("scale", "deployment/scaled", "--replicas=5");
    const record = recordOf(desired, [{ path: "/spec/replicas", desired: 2, live: 5 }]);

    const preview = await revert(record, desired, true);
    expect(preview.fields).toEqual([{ path: "/spec/replicas", before: 5, after: 2 }]);
    expect((await live("scaled")).spec).toMatchObject({ replicas: 5 }); // the dry-run wrote nothing

    await revert(record, desired);
    const after = await live("scaled");
    expect(after.spec).toMatchObject({ replicas: 2 });
    // kubectl's scale subresource entry no longer owns spec.replicas: the hub does (status belongs to the controller).
    const owners = (after.metadata.managedFields ?? []).filter(
      (m) => m.subresource !== "status" && JSON.stringify(m.fieldsV1).includes('"f:replicas"'),
    );
    expect(owners.map((m) => m.manager)).toEqual(["confighub"]);
  });

  it("removes live-only fields written by imperative managers (a label, an env var) for good", async () => {
    const desired = await hubApply(deployment("extra"));
    kubectl("label", "deployment/extra", "hotfix=yes");
    setEnv("extra", "DEBUG=1");
    expect(envOf(await live("extra"))).toEqual([
      { name: "MODE", value: "a" },
      { name: "DEBUG", value: "1" },
    ]);
    const record = recordOf(desired, [
      { path: "/metadata/labels/hotfix", type: "added", live: "yes" },
      { path: "/spec/template/spec/containers/0/env/1", type: "added", live: { name: "DEBUG", value: "1" } },
    ]);

    const preview = await revert(record, desired, true);
    expect(preview.fields.map((f) => f.path).sort()).toEqual([
      "/metadata/labels/hotfix",
      "/spec/template/spec/containers/0/env/1",
    ]);

    await revert(record, desired);
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
    const desired = await hubApply(deployment("churn"));
    kubectl("label", "deployment/churn", "hotfix=yes");
    setEnv("churn", "DEBUG=1");
    kubectl("scale", "deployment/churn", "--replicas=5");
    const record = recordOf(desired, [
      { path: "/metadata/labels/hotfix", type: "added", live: "yes" },
      { path: "/spec/template/spec/containers/0/env/1", type: "added", live: { name: "DEBUG", value: "1" } },
      { path: "/spec/replicas", desired: 2, live: 5 },
    ]);
    const client = new HookedClient(controllerWrite("churn"));
    const out = await revertThrough(client, record, desired);
    // The first apply met the stale resourceVersion; the retry found the removed fields gone and went on.
    // (The real deployment controller's status writes may cost further retries on a busy machine.)
    expect(client.applies).toBeGreaterThanOrEqual(2);
    expect(out.removed.sort()).toEqual(["/metadata/labels/hotfix", "/spec/template/spec/containers/0/env/1"]);
    expect(out.fields.map((f) => f.path).sort()).toEqual([
      "/metadata/labels/hotfix",
      "/spec/replicas",
      "/spec/template/spec/containers/0/env/1",
    ]);
    const after = await live("churn");
    expect(after.metadata.labels).toEqual({ app: "churn" });
    expect(after.metadata.annotations?.["example.com/observed"]).toBe("1"); // the controller's write stays
    expect(after.spec).toMatchObject({ replicas: 2 });
    expect(JSON.stringify(after.spec)).not.toContain("DEBUG");
  });

  it("still refuses when a removed field came back with a third value before the retry", async () => {
    const desired = await hubApply(deployment("third"));
    kubectl("label", "deployment/third", "hotfix=yes");
    kubectl("scale", "deployment/third", "--replicas=5");
    const record = recordOf(desired, [
      { path: "/metadata/labels/hotfix", type: "added", live: "yes" },
      { path: "/spec/replicas", desired: 2, live: 5 },
    ]);
    const client = new HookedClient(() =>
      patchAs("kubectl-label", "third", { metadata: { labels: { hotfix: "again" } } }),
    );
    await expectConflict(revertThrough(client, record, desired), "/metadata/labels/hotfix");
    expect(client.applies).toBe(1);
    const after = await live("third");
    expect(after.metadata.labels).toEqual({ app: "third", hotfix: "again" });
    expect(after.spec).toMatchObject({ replicas: 5 }); // nothing forced
  });

  it("accepts a declared field that someone already set back to the desired value", async () => {
    const desired = await hubApply(deployment("byhand"));
    kubectl("scale", "deployment/byhand", "--replicas=5");
    kubectl("set", "image", "deployment/byhand", "app=nginx:1.28");
    const record = recordOf(desired, [
      { path: "/spec/replicas", desired: 2, live: 5 },
      { path: "/spec/template/spec/containers/0/image", desired: "nginx:1.27", live: "nginx:1.28" },
    ]);
    kubectl("scale", "deployment/byhand", "--replicas=2");
    const out = await revert(record, desired);
    expect(out.fields).toEqual([
      { path: "/spec/template/spec/containers/0/image", before: "nginx:1.28", after: "nginx:1.27" },
    ]);
    const after = await live("byhand");
    expect(after.spec).toMatchObject({ replicas: 2 });
    expect(JSON.stringify(after.spec)).toContain("nginx:1.27");
  });

  it("refuses when the field changed again after the drift was recorded, and forces nothing", async () => {
    const desired = await hubApply(deployment("newer"));
    kubectl("scale", "deployment/newer", "--replicas=5");
    const record = recordOf(desired, [{ path: "/spec/replicas", desired: 2, live: 5 }]);
    kubectl("scale", "deployment/newer", "--replicas=7");
    await expect(revert(record, desired)).rejects.toThrow(RemediationError);
    expect((await live("newer")).spec).toMatchObject({ replicas: 7 });
  });

  it("refuses a revert that would also change a field the record does not name", async () => {
    const desired = await hubApply(deployment("unnamed"));
    kubectl("scale", "deployment/unnamed", "--replicas=5");
    kubectl("set", "image", "deployment/unnamed", "app=nginx:1.28");
    const record = recordOf(desired, [{ path: "/spec/replicas", desired: 2, live: 5 }]);
    await expectConflict(revert(record, desired), "/spec/template/spec/containers/0/image");
    const after = await live("unnamed");
    expect(after.spec).toMatchObject({ replicas: 5 });
  });

  it("leaves fields the record lists as ignored (autoscaled replicas) to their owner", async () => {
    const desired = await hubApply(deployment("hpa"));
    kubectl("scale", "deployment/hpa", "--replicas=4");
    kubectl("set", "image", "deployment/hpa", "app=nginx:1.28");
    const record = recordOf(
      desired,
      [{ path: "/spec/template/spec/containers/0/image", desired: "nginx:1.27", live: "nginx:1.28" }],
      [{ path: "/spec/replicas", reason: "autoscaled by HorizontalPodAutoscaler/hpa" }],
    );
    await revert(record, desired);
    const after = await live("hpa");
    expect(after.spec).toMatchObject({ replicas: 4 });
    expect(JSON.stringify(after.spec)).toContain("nginx:1.27");
  });

  it("creates a Missing object", async () => {
    const desired = deployment("missing");
    const record = { ...recordOf(desired, []), resourceStatus: "Missing" } as DriftRecordView;
    const preview = await revert(record, desired, true);
    expect(preview.created).toBe(true);
    await revert(record, desired);
    expect((await live("missing")).spec).toMatchObject({ replicas: 2 });
  });

  describe("lists keyed by merge key", () => {
    const EXTRA = { name: "EXTRA", value: "1" };
    /** An env var put at `index` by hand, where `kubectl set env` would only append. */
    const insertEnv = (name: string, index: number, value: unknown) =>
      insertAt(name, `/spec/template/spec/containers/0/env/${index}`, value);

    /** A deployment declaring env MODE=a and LEVEL=info. */
    function withLevel(name: string): KubeObject {
      const desired = deployment(name);
      podSpec(desired).containers[0]!.env = [
        { name: "MODE", value: "a" },
        { name: "LEVEL", value: "info" },
      ];
      return desired;
    }

    /** `withLevel` applied by the hub, then changed by hand: EXTRA inserted at `extraAt` and LEVEL set to debug. */
    async function levelDrifted(name: string, extraAt: number): Promise<KubeObject> {
      const desired = await hubApply(withLevel(name));
      insertEnv(name, extraAt, EXTRA);
      setEnv(name, "LEVEL=debug");
      return desired;
    }

    it("removes an env var inserted before a changed one and restores the changed value, in one revert", async () => {
      const desired = await levelDrifted("envshift", 1);
      const record = await detected(desired);
      expect(record.changes.map((c) => [c.type, c.path])).toEqual([
        ["changed", "/spec/template/spec/containers/0/env/2/value"],
        ["added", "/spec/template/spec/containers/0/env/1"],
      ]);

      const preview = await revert(record, desired, true);
      expect(preview.fields).toEqual([
        { path: "/spec/template/spec/containers/0/env/1", before: EXTRA },
        { path: "/spec/template/spec/containers/0/env/2/value", before: "debug", after: "info" },
      ]);
      expect(preview.removed).toEqual(["/spec/template/spec/containers/0/env/1"]);

      const out = await revert(record, desired);
      expect(out.fields).toEqual(preview.fields);
      expect(envOf(await live("envshift"))).toEqual([
        { name: "MODE", value: "a" },
        { name: "LEVEL", value: "info" },
      ]);
      expect((await detectNow(desired))?.status).toBe("InSync");
    });

    it("removes an extra container port listed before the declared one and restores the image", async () => {
      const desired = deployment("portshift");
      podSpec(desired).containers[0]!.ports = [{ containerPort: 80, name: "http" }];
      await hubApply(desired);
      insertAt("portshift", "/spec/template/spec/containers/0/ports/0", { containerPort: 9090, name: "debug" });
      kubectl("set", "image", "deployment/portshift", "app=nginx:1.28");
      const record = await detected(desired);
      expect(record.changes.map((c) => [c.type, c.path]).sort()).toEqual([
        ["added", "/spec/template/spec/containers/0/ports/0"],
        ["changed", "/spec/template/spec/containers/0/image"],
      ]);

      const out = await revert(record, desired);
      expect(out.removed).toEqual(["/spec/template/spec/containers/0/ports/0"]);
      expect(out.fields.map((f) => f.path).sort()).toEqual([
        "/spec/template/spec/containers/0/image",
        "/spec/template/spec/containers/0/ports/0",
      ]);
      const container = podSpec(await live("portshift")).containers[0]!;
      expect(container.image).toBe("nginx:1.27");
      expect(container.ports).toEqual([{ containerPort: 80, name: "http", protocol: "TCP" }]);
    });

    it("still refuses, writing nothing, when the changed item after the extra one changed again", async () => {
      const desired = await levelDrifted("envrace", 0);
      const record = await detected(desired);
      setEnv("envrace", "LEVEL=trace"); // a newer change nobody reviewed
      const before = await live("envrace");

      await expectConflict(revert(record, desired), "env[name=LEVEL].value");
      const after = await live("envrace");
      expect(after.metadata.resourceVersion).toBe(before.metadata.resourceVersion); // nothing written
      expect(envOf(after)).toEqual([EXTRA, { name: "MODE", value: "a" }, { name: "LEVEL", value: "trace" }]);
    });

    it("finishes by key when a controller's write made the apply stale after the extra env var was removed", async () => {
      const desired = await levelDrifted("envchurn", 0);
      const record = await detected(desired);
      expect(record.changes.map((c) => [c.type, c.path]).sort()).toEqual([
        ["added", "/spec/template/spec/containers/0/env/0"],
        ["changed", "/spec/template/spec/containers/0/env/2/value"],
      ]);
      // After the removal LEVEL sits at env/1: the retry must still know it as env[name=LEVEL].
      const client = new HookedClient(controllerWrite("envchurn"));
      const out = await revertThrough(client, record, desired);
      expect(client.applies).toBeGreaterThanOrEqual(2);
      expect(client.patches).toBe(1);
      // Named as in the object the revert found (the record's pointers), not as in the shifted list of the retry.
      expect(out.removed).toEqual(["/spec/template/spec/containers/0/env/0"]);
      expect(out.fields).toEqual([
        { path: "/spec/template/spec/containers/0/env/0", before: EXTRA },
        { path: "/spec/template/spec/containers/0/env/2/value", before: "debug", after: "info" },
      ]);
      const after = await live("envchurn");
      expect(envOf(after)).toEqual([
        { name: "MODE", value: "a" },
        { name: "LEVEL", value: "info" },
      ]);
      expect(after.metadata.annotations?.["example.com/observed"]).toBe("1");
    });

    it("removes a sidecar container added before the app container and restores the app's image", async () => {
      const desired = await hubApply(deployment("sidecar"));
      insertAt("sidecar", "/spec/template/spec/containers/0", { name: "debug", image: "busybox:1.36" });
      kubectl("set", "image", "deployment/sidecar", "app=nginx:1.28");
      const record = await detected(desired);
      expect(record.changes.map((c) => [c.type, c.field]).sort()).toEqual([
        ["added", "spec.template.spec.containers[name=debug]"],
        ["changed", "spec.template.spec.containers[name=app].image"],
      ]);

      await revert(record, desired);
      const containers = podSpec(await live("sidecar")).containers;
      expect(containers.map((c) => [c.name, c.image])).toEqual([["app", "nginx:1.27"]]);
      expect((await detectNow(desired))?.status).toBe("InSync");
    });

    it("restores a deleted env var while removing an extra one that took its place", async () => {
      const desired = await hubApply(withLevel("envswap"));
      setEnv("envswap", "LEVEL-");
      insertEnv("envswap", 0, EXTRA);
      const record = await detected(desired);
      expect(record.changes.map((c) => [c.type, c.field]).sort()).toEqual([
        ["added", "spec.template.spec.containers[name=app].env[name=EXTRA]"],
        ["removed", "spec.template.spec.containers[name=app].env[name=LEVEL]"],
      ]);

      const out = await revert(record, desired);
      expect(out.removed).toEqual(["/spec/template/spec/containers/0/env/0"]);
      const env = envOf(await live("envswap")) as { name: string }[];
      expect(env.map((e) => e.name).sort()).toEqual(["LEVEL", "MODE"]);
    });

    it("refuses, writing nothing, when the named env value changes between the plan and the first write", async () => {
      const desired = await levelDrifted("envconc", 0);
      const record = await detected(desired);
      // Right after revert's dry-run (its plan), before its first write: a third value nobody reviewed.
      const client = new HookedClient(async () => void setEnv("envconc", "LEVEL=trace"), "dry-run");
      await expectConflict(revertThrough(client, record, desired), "env[name=LEVEL].value");
      expect(client.applies).toBe(0); // the guarded JSON patch failed on the resourceVersion; nothing was forced
      expect(envOf(await live("envconc"))).toEqual([
        EXTRA,
        { name: "MODE", value: "a" },
        { name: "LEVEL", value: "trace" },
      ]);
    });

    it("refuses, writing nothing, when a field the record does not name changes in the same list meanwhile", async () => {
      const desired = await levelDrifted("envother", 0);
      const record = await detected(desired);
      const client = new HookedClient(async () => void setEnv("envother", "MODE=b"), "dry-run");
      await expectConflict(
        revertThrough(client, record, desired),
        "would also change spec.template.spec.containers[name=app].env[name=MODE].value (/spec/template/spec/containers/0/env/1/value)",
      );
      expect(client.applies).toBe(0);
      expect(envOf(await live("envother"))).toEqual([
        EXTRA,
        { name: "MODE", value: "b" },
        { name: "LEVEL", value: "debug" },
      ]);
    });

    it("removes a second env var of the same name at the index the record names", async () => {
      const desired = await hubApply(deployment("envdup"));
      insertEnv("envdup", 1, { name: "MODE", value: "b" }); // the API allows duplicate names (with a warning)
      const record = await detected(desired);
      expect(record.changes.map((c) => [c.type, c.path, c.field])).toEqual([
        ["added", "/spec/template/spec/containers/0/env/1", "spec.template.spec.containers[name=app].env[name=MODE]"],
      ]);
      const out = await revert(record, desired);
      expect(out.removed).toEqual(["/spec/template/spec/containers/0/env/1"]);
      expect(envOf(await live("envdup"))).toEqual([{ name: "MODE", value: "a" }]);
    });
  });
});

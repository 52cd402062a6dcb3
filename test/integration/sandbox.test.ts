// The sandbox is a real control plane: server-side apply, server defaults, managedFields, watch, service-account
// tokens, and a live controller manager. Everything the drift engine's fidelity rests on is checked here.
import {
  AppsV1Api,
  AuthenticationV1Api,
  CoreV1Api,
  KubeConfig,
  KubernetesObjectApi,
  PatchStrategy,
  type V1Deployment,
  Watch,
} from "@kubernetes/client-node";
import { describe, expect, vi } from "vitest";
import { createTestNamespace, kubeTest as test } from "../helpers/kube.js";

const FIELD_MANAGER = "drift-detector-sandbox-test";

function deployment(namespace: string, name: string): V1Deployment {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, namespace },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: "web", image: "registry.example/web:1.0" }] },
      },
    },
  };
}

async function serverSideApply<T extends { metadata?: object }>(kc: KubeConfig, obj: T): Promise<T> {
  const client = KubernetesObjectApi.makeApiClient(kc);
  return (await client.patch(obj, undefined, undefined, FIELD_MANAGER, true, PatchStrategy.ServerSideApply)) as T;
}

describe("sandbox kube-apiserver", () => {
  test("server-side apply stores the server's defaults and records the field manager", async ({ kc, namespace }) => {
    await serverSideApply(kc, deployment(namespace, "web"));

    const live = await kc.makeApiClient(AppsV1Api).readNamespacedDeployment({ name: "web", namespace });
    const container = live.spec?.template.spec?.containers[0];
    // Defaults only a real apiserver fills in: none of these were sent.
    expect(container?.terminationMessagePath).toBe("/dev/termination-log");
    expect(container?.imagePullPolicy).toBe("IfNotPresent");
    expect(live.spec?.strategy?.type).toBe("RollingUpdate");
    expect(live.spec?.strategy?.rollingUpdate?.maxSurge).toBe("25%");
    expect(live.spec?.strategy?.rollingUpdate?.maxUnavailable).toBe("25%");
    expect(live.spec?.template.spec?.restartPolicy).toBe("Always");

    const applied = live.metadata?.managedFields?.find((m) => m.manager === FIELD_MANAGER);
    expect(applied?.operation).toBe("Apply");
    // The apply owns what it declared, not the defaults.
    const owned = JSON.stringify(applied?.fieldsV1);
    expect(owned).toContain('"f:replicas"');
    expect(owned).not.toContain("f:terminationMessagePath");
  });

  test("a watch sees ADDED then MODIFIED", async ({ kc, namespace }) => {
    const events: Array<{ type: string; data?: string }> = [];
    const seen = (type: string) => events.some((e) => e.type === type);
    const controller = await new Watch(kc).watch(
      `/api/v1/namespaces/${namespace}/configmaps`,
      { fieldSelector: "metadata.name=settings" },
      (type, obj: { data?: { mode?: string } }) => events.push({ type, data: obj.data?.mode }),
      () => {},
    );
    try {
      const cm = {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { name: "settings", namespace },
        data: { mode: "a" },
      };
      await serverSideApply(kc, cm);
      await vi.waitFor(() => expect(seen("ADDED")).toBe(true), { timeout: 10_000 });
      await serverSideApply(kc, { ...cm, data: { mode: "b" } });
      await vi.waitFor(() => expect(seen("MODIFIED")).toBe(true), { timeout: 10_000 });
    } finally {
      controller.abort();
    }
    expect(events.map((e) => `${e.type}:${e.data}`)).toEqual(["ADDED:a", "MODIFIED:b"]);
  });

  test("service-account tokens are issued and authenticate", async ({ kc, namespace }) => {
    const core = kc.makeApiClient(CoreV1Api);
    await serverSideApply(kc, { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "reader", namespace } });
    const request = await core.createNamespacedServiceAccountToken({
      name: "reader",
      namespace,
      body: { spec: { audiences: [], expirationSeconds: 600 } },
    });
    const token = request.status?.token;
    expect(token).toMatch(/^ey/);

    const cluster = kc.getCurrentCluster()!;
    const asReader = new KubeConfig();
    asReader.loadFromOptions({
      clusters: [cluster],
      users: [{ name: "reader", token }],
      contexts: [{ name: "reader", cluster: cluster.name, user: "reader" }],
      currentContext: "reader",
    });
    const review = await asReader.makeApiClient(AuthenticationV1Api).createSelfSubjectReview({
      body: { apiVersion: "authentication.k8s.io/v1", kind: "SelfSubjectReview" },
    });
    expect(review.status?.userInfo?.username).toBe(`system:serviceaccount:${namespace}:reader`);
    // RBAC is on: a fresh ServiceAccount may not list Secrets.
    await expect(asReader.makeApiClient(CoreV1Api).listNamespacedSecret({ namespace })).rejects.toMatchObject({
      code: 403,
    });
  });
});

describe("sandbox kube-controller-manager", () => {
  test("a Deployment gets its ReplicaSet, owned by it", async ({ kc, namespace }) => {
    const applied = await serverSideApply(kc, deployment(namespace, "api"));
    const apps = kc.makeApiClient(AppsV1Api);
    const replicaSet = await vi.waitFor(
      async () => {
        const list = await apps.listNamespacedReplicaSet({ namespace });
        expect(list.items).toHaveLength(1);
        return list.items[0];
      },
      { timeout: 20_000, interval: 200 },
    );
    expect(replicaSet.spec?.replicas).toBe(2);
    expect(replicaSet.metadata?.ownerReferences?.[0]).toMatchObject({
      kind: "Deployment",
      name: "api",
      uid: applied.metadata?.uid,
      controller: true,
    });
    // The deployment controller writes status, as in production (no kubelet: no Pod becomes ready).
    await vi.waitFor(
      async () => {
        const live = await apps.readNamespacedDeployment({ name: "api", namespace });
        expect(live.status?.observedGeneration).toBe(1);
        expect(live.status?.unavailableReplicas).toBe(2);
      },
      { timeout: 20_000, interval: 200 },
    );
  });

  test("a new namespace gets its default ServiceAccount and root CA ConfigMap", async ({ kc, namespace }) => {
    const core = kc.makeApiClient(CoreV1Api);
    await vi.waitFor(
      async () => {
        const sa = await core.readNamespacedServiceAccount({ name: "default", namespace });
        expect(sa.metadata?.name).toBe("default");
        const ca = await core.readNamespacedConfigMap({ name: "kube-root-ca.crt", namespace });
        expect(ca.data?.["ca.crt"]).toContain("BEGIN CERTIFICATE");
      },
      { timeout: 20_000, interval: 200 },
    );
  });

  test("deleting a namespace really removes it and its contents", async ({ kc }) => {
    const ns = await createTestNamespace(kc, "gone");
    await serverSideApply(kc, deployment(ns.name, "doomed"));
    await ns.delete();
    const core = kc.makeApiClient(CoreV1Api);
    await vi.waitFor(
      async () => {
        await expect(core.readNamespace({ name: ns.name })).rejects.toMatchObject({ code: 404 });
      },
      { timeout: 60_000, interval: 500 },
    );
  });
});

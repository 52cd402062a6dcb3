import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { KubeObject } from "../../src/drift/types.js";
import { applySpaceUnits, UNIT_LABEL } from "../../src/hub/apply.js";
import { ConfigHubClient } from "../../src/hub/confighub/client.js";
import { formatUnitData } from "../../src/hub/data.js";
import { type RunningHub, startHubServer } from "../../src/hub/http/serve.js";
import { type Cluster, loadCluster } from "../../src/kube/cluster.js";
import { CRD_INFO } from "../../src/kube/crd-readiness.js";
import { Discovery } from "../../src/kube/discovery.js";
import { deleteObject, getObject } from "../../src/kube/objects.js";
import { crdWith, gadgetCrd } from "../helpers/crd.js";
import { createTestNamespace, loadKubeConfig, type TestNamespace } from "../helpers/kube.js";
import { openTestStore, type TestStore } from "../helpers/stores.js";

// `unit apply` of units that bring their own CustomResourceDefinitions, on the sandbox's real apiserver: CRDs (and
// Namespaces) of every unit go first, the apply waits until they are Established and discovery serves them, and
// only then applies the custom resources — in the same unit or another one of the same apply.

const id = () => randomBytes(3).toString("hex");

/** A minimal namespaced CRD `<plural>.<group>` of `kind`, version v1, any spec. */
const crd = (group: string, plural: string, kind: string): KubeObject =>
  crdWith(group, plural, kind, {
    type: "object",
    properties: { spec: { type: "object", "x-kubernetes-preserve-unknown-fields": true } },
  });

const cr = (group: string, kind: string, name: string, spec: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: `${group}/v1`,
  kind,
  metadata: { name },
  spec,
});

const configMap = (name: string): KubeObject => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name },
  data: { k: "v" },
});

describe("hub unit apply with CustomResourceDefinitions", () => {
  let store: TestStore;
  let server: RunningHub;
  let hub: ConfigHubClient;
  let cluster: Cluster;
  let ns: TestNamespace;
  const group = `hubapply-${id()}.example.com`;
  const crdNames: string[] = [];

  beforeAll(async () => {
    store = await openTestStore("pglite");
    server = await startHubServer({ db: store.db, listen: "127.0.0.1:0", token: `apply-${id()}` });
    hub = new ConfigHubClient({ url: server.url, token: server.token });
    cluster = loadCluster({ kubeconfig: inject("kubeconfig") });
    ns = await createTestNamespace(loadKubeConfig(), "hubapply");
  });
  afterAll(async () => {
    for (const name of crdNames) await deleteObject(cluster.client, CRD_INFO, undefined, name).catch(() => {});
    await ns?.delete();
    await cluster?.client.close();
    await server?.close();
    await store?.cleanup();
  });

  const space = async (units: Record<string, KubeObject[]>) => {
    const slug = `sp-${id()}`;
    await hub.createSpace({ Slug: slug });
    for (const [unit, objects] of Object.entries(units))
      await hub.createUnit(slug, { Slug: unit, Data: formatUnitData(objects) });
    return slug;
  };
  const live = async (apiVersion: string, kind: string, name: string) => {
    const info = await new Discovery(cluster.client).resolve(apiVersion, kind);
    return getObject(cluster.client, info, info.namespaced ? ns.name : undefined, name);
  };

  it("applies a unit holding a CRD and a custom resource of it in one go", async () => {
    const gadgets = gadgetCrd(group);
    crdNames.push(gadgets.metadata.name);
    const sp = await space({ gadgets: [cr(group, "Gadget", "g1", { color: "red" }), gadgets] });

    const [result] = await applySpaceUnits(hub, cluster, sp, { namespace: ns.name });

    expect(result.error).toBeNull();
    expect(result.applied.map((r) => `${r.kind}/${r.name}`)).toEqual([
      `CustomResourceDefinition/gadgets.${group}`,
      "Gadget/g1",
    ]);
    const g1 = await live(`${group}/v1`, "Gadget", "g1");
    expect(g1?.spec).toEqual({ color: "red", size: 3 }); // the CRD's schema default: served by the real CRD
    expect(g1?.metadata.labels?.[UNIT_LABEL]).toBe("gadgets");
    expect((await hub.getUnit(sp, "gadgets")).LastAppliedRevisionNum).toBe(1);
  });

  it("applies custom resources in units before and after the unit that holds their CRD", async () => {
    const widgets = crd(group, "widgets", "Widget");
    crdNames.push(widgets.metadata.name);
    // Units apply in slug order: a-early's Widget comes before b-crd's CRD, c-late's after it.
    const sp = await space({
      "a-early": [cr(group, "Widget", "w-early")],
      "b-crd": [widgets],
      "c-late": [cr(group, "Widget", "w-late"), configMap("late-cm")],
    });

    const results = await applySpaceUnits(hub, cluster, sp, { namespace: ns.name });

    expect(results.map((r) => [r.unit, r.error])).toEqual([
      ["a-early", null],
      ["b-crd", null],
      ["c-late", null],
    ]);
    expect(await live(`${group}/v1`, "Widget", "w-early")).toBeDefined();
    expect(await live(`${group}/v1`, "Widget", "w-late")).toBeDefined();
    for (const u of ["a-early", "b-crd", "c-late"]) expect((await hub.getUnit(sp, u)).LastAppliedRevisionNum).toBe(1);
  });

  it("fails only the custom resource whose kind no CRD serves, with one clear line; the rest is applied", async () => {
    const sp = await space({ mixed: [cr(`nothing-${id()}.example.com`, "Phantom", "p1"), configMap("mixed-cm")] });

    const [result] = await applySpaceUnits(hub, cluster, sp, { namespace: ns.name });

    expect(result.error).toMatch(
      /^Phantom p1: the cluster does not serve Phantom in nothing-[0-9a-f]+\.example\.com\/v1 \(no CustomResourceDefinition for it in the cluster or this apply\)$/,
    );
    expect(result.applied.map((r) => r.name)).toEqual(["mixed-cm"]);
    expect(await live("v1", "ConfigMap", "mixed-cm")).toBeDefined();
    expect((await hub.getUnit(sp, "mixed")).LastAppliedRevisionNum).toBe(0); // a failing object records nothing
  });

  it("gives up on a CRD that never becomes Established after the timeout, naming it; other objects go on", async () => {
    // Kind Gadget is already served in this group (first test), so this CRD's names are never accepted.
    const clash = crd(group, "gizmos", "Gadget");
    crdNames.push(clash.metadata.name);
    const sp = await space({
      clash: [clash, configMap("clash-cm")],
      other: [configMap("other-cm")],
    });

    const started = Date.now();
    const results = await applySpaceUnits(hub, cluster, sp, { namespace: ns.name, crdTimeoutMs: 1500 });

    expect(Date.now() - started).toBeLessThan(15_000);
    const [clashed, other] = results;
    expect(clashed.error).toMatch(
      new RegExp(
        `^CustomResourceDefinition gizmos\\.${group.replace(/\./g, "\\.")} not Established \\(.+\\) after 1\\.5s$`,
      ),
    );
    expect(clashed.error).toContain("NamesAccepted=False");
    expect(clashed.error).not.toContain("\n");
    expect(clashed.applied.map((r) => r.name)).toEqual([`gizmos.${group}`, "clash-cm"]);
    expect(await live("v1", "ConfigMap", "clash-cm")).toBeDefined();
    expect(other.error).toBeNull();
    expect((await hub.getUnit(sp, "clash")).LastAppliedRevisionNum).toBe(0);
    expect((await hub.getUnit(sp, "other")).LastAppliedRevisionNum).toBe(1);
  });

  it("names a failed CRD in the errors of its custom resources", async () => {
    const broken = crd(group, "sprockets", "Sprocket");
    crdNames.push(broken.metadata.name);
    (broken.spec as { scope: string }).scope = "Galaxy"; // rejected by the apiserver
    const sp = await space({ parts: [broken, cr(group, "Sprocket", "s1"), configMap("parts-cm")] });

    const [result] = await applySpaceUnits(hub, cluster, sp, { namespace: ns.name });

    const [crdError, crError, ...rest] = (result.error ?? "").split("; ");
    expect(rest).toEqual([]);
    expect(crdError).toMatch(
      new RegExp(`^CustomResourceDefinition sprockets\\.${group.replace(/\./g, "\\.")}: .*scope`),
    );
    expect(crError).toBe(
      `Sprocket s1: the cluster does not serve Sprocket in ${group}/v1 (its CustomResourceDefinition sprockets.${group} failed to apply)`,
    );
    expect(result.applied.map((r) => r.name)).toEqual(["parts-cm"]);
  });

  it("in a dry run creates no CRD, so says why its custom resources cannot be checked", async () => {
    const doohickeys = crd(group, "doohickeys", "Doohickey");
    crdNames.push(doohickeys.metadata.name);
    const sp = await space({ dry: [doohickeys, cr(group, "Doohickey", "d1")] });

    const [result] = await applySpaceUnits(hub, cluster, sp, { namespace: ns.name, dryRun: true });

    expect(result.error).toBe(
      `Doohickey d1: the cluster does not serve Doohickey in ${group}/v1 (its CustomResourceDefinition doohickeys.${group} is only dry-run)`,
    );
    expect(await getObject(cluster.client, CRD_INFO, undefined, `doohickeys.${group}`)).toBeUndefined();
    expect((await hub.getUnit(sp, "dry")).LastAppliedRevisionNum).toBe(0);
  });
});

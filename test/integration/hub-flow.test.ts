import { AppsV1Api, CoreV1Api } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { runCheck } from "../../src/cli/commands/check.js";
import { applySpaceUnits, SPACE_LABEL, UNIT_LABEL } from "../../src/hub/apply.js";
import { ConfigHubClient } from "../../src/hub/confighub/client.js";
import { type RunningHub, startHubServer } from "../../src/hub/http/serve.js";
import { type Cluster, loadCluster } from "../../src/kube/cluster.js";
import { GLOBAL_APP_UNITS, globalAppData } from "../helpers/global-app.js";
import { createTestNamespace, loadKubeConfig, type TestNamespace } from "../helpers/kube.js";
import { openTestStore, STORE_KINDS, type TestStore } from "../helpers/stores.js";

// The seed's flow, over HTTP on each store: spaces base → qa → staging → prod, global-app cloned down the chain,
// prod's own replicas, a qa image change promoted to staging and prod (prod keeps its replicas), prod applied to the
// sandbox, rolled back with restore, applied again; `check --source hub:acorn-bear-prod` in sync after each apply.

const SPACES = ["acorn-bear-base", "acorn-bear-qa", "acorn-bear-staging", "acorn-bear-prod"];

describe.each(STORE_KINDS)("global-app promotion flow on %s", (kind) => {
  let store: TestStore;
  let server: RunningHub;
  let hub: ConfigHubClient;
  let cluster: Cluster;
  let ns: TestNamespace;
  const saved = { HUB_URL: process.env.HUB_URL, HUB_TOKEN: process.env.HUB_TOKEN };

  beforeAll(async () => {
    store = await openTestStore(kind);
    server = await startHubServer({ db: store.db, listen: "127.0.0.1:0", token: `flow-${kind}` });
    hub = new ConfigHubClient({ url: server.url, token: server.token });
    cluster = loadCluster({ kubeconfig: inject("kubeconfig") });
    ns = await createTestNamespace(loadKubeConfig(), `flow-${kind}`);
    // `hub:SPACE` reaches this hub over HTTP, as a running `hub serve` is reached.
    process.env.HUB_URL = server.url;
    process.env.HUB_TOKEN = server.token;
  });
  afterAll(async () => {
    process.env.HUB_URL = saved.HUB_URL;
    process.env.HUB_TOKEN = saved.HUB_TOKEN;
    if (saved.HUB_URL === undefined) delete process.env.HUB_URL;
    if (saved.HUB_TOKEN === undefined) delete process.env.HUB_TOKEN;
    await ns?.delete();
    await cluster?.client.close();
    await server?.close();
    await store?.cleanup();
  });

  const apps = () => loadKubeConfig().makeApiClient(AppsV1Api);
  const check = async () =>
    runCheck({
      source: "hub:acorn-bear-prod",
      kubeconfig: inject("kubeconfig"),
      namespace: ns.name,
      mode: "server",
      output: "json",
    });
  const applyProd = async () => {
    const results = await applySpaceUnits(hub, cluster, "acorn-bear-prod", { namespace: ns.name });
    expect(results.map((r) => [r.unit, r.error])).toEqual([...GLOBAL_APP_UNITS].sort().map((u) => [u, null]));
    return results;
  };

  it("runs end to end", async () => {
    for (const slug of SPACES) await hub.createSpace({ Slug: slug, Labels: { app: "global-app" } });
    for (const unit of GLOBAL_APP_UNITS) {
      await hub.createUnit("acorn-bear-base", { Slug: unit, Data: globalAppData(unit), Labels: { app: "global-app" } });
    }
    for (let i = 1; i < SPACES.length; i++) {
      for (const { Unit: u } of await hub.listUnits(SPACES[i - 1]))
        await hub.cloneUnit(SPACES[i], SPACES[i - 1], u.Slug);
    }
    expect((await hub.listUnits("acorn-bear-prod")).map((i) => i.Unit.Slug)).toEqual([...GLOBAL_APP_UNITS].sort());

    // prod's own override, then a qa change promoted down
    await hub.invokeFunctions("acorn-bear-prod", "Slug = 'backend'", [
      { FunctionName: "set-replicas", Arguments: [{ ParameterName: "replicas", Value: 3 }] },
    ]);
    const bumped = await hub.invokeFunctions("acorn-bear-qa", undefined, [
      {
        FunctionName: "set-image-reference",
        Arguments: [
          { ParameterName: "container-name", Value: "backend" },
          { ParameterName: "image-reference", Value: ":1.1.2" },
        ],
      },
    ]);
    expect(bumped.filter((r) => r.HasNewMutations).map((r) => r.UnitSlug)).toEqual(["backend"]);
    for (const space of ["acorn-bear-staging", "acorn-bear-prod"]) {
      const stale = await hub.listUnits(space, "UpstreamRevisionNum < UpstreamUnit.HeadRevisionNum");
      expect(stale.map((i) => i.Unit.Slug)).toEqual(["backend"]);
      for (const { Unit: u } of stale) expect((await hub.upgradeUnit(space, u.Slug)).conflicts).toEqual([]);
    }
    const prodBackend = await hub.getUnitData("acorn-bear-prod", "backend");
    expect(prodBackend).toContain("ghcr.io/confighubai/cubbychat/backend:1.1.2");
    expect(prodBackend).toContain("replicas: 3");
    expect(prodBackend).toContain("value: postgres://chat@postgres:5432/chat");

    // apply prod: objects labelled with their unit, revisions recorded, check in sync
    await applyProd();
    const dep = await apps().readNamespacedDeployment({ name: "backend", namespace: ns.name });
    expect(dep.spec?.replicas).toBe(3);
    expect(dep.spec?.template.spec?.containers[0].image).toBe("ghcr.io/confighubai/cubbychat/backend:1.1.2");
    expect(dep.metadata?.labels).toMatchObject({ [SPACE_LABEL]: "acorn-bear-prod", [UNIT_LABEL]: "backend" });
    expect(dep.metadata?.managedFields?.some((f) => f.manager === "confighub" && f.operation === "Apply")).toBe(true);
    const prodUnit = await hub.getUnit("acorn-bear-prod", "backend");
    expect(prodUnit.LastAppliedRevisionNum).toBe(prodUnit.HeadRevisionNum);
    let outcome = await check();
    expect(outcome.report.summary).toMatchObject({ resources: 8, inSync: 8, drifted: 0, missing: 0, errors: 0 });
    expect(outcome.exitCode).toBe(0);
    expect(
      outcome.report.resources.find((r) => r.ref.kind === "Deployment" && r.ref.name === "backend")?.source,
    ).toEqual({
      type: "hub",
      space: "acorn-bear-prod",
      unit: "backend",
      revision: prodUnit.HeadRevisionNum,
    });

    // roll prod back to before the promotion (revision 2: its replicas, the old image), apply again
    const restored = await hub.restoreUnit("acorn-bear-prod", "backend", 2);
    expect(restored.HeadRevisionNum).toBe(4);
    await applyProd();
    const back = await apps().readNamespacedDeployment({ name: "backend", namespace: ns.name });
    expect(back.spec?.template.spec?.containers[0].image).toBe("ghcr.io/confighubai/cubbychat/backend:1.1.1");
    expect(back.spec?.replicas).toBe(3);
    outcome = await check();
    expect(outcome.exitCode).toBe(0);
    expect(outcome.report.summary.inSync).toBe(8);
  });

  it("prunes what a unit dropped and keeps a failing unit unrecorded while the others apply", async () => {
    // ollama loses its Service; postgres gets an object of a kind the cluster does not serve
    const ollama = globalAppData("ollama").split("---")[0];
    await hub.putUnitData("acorn-bear-prod", "ollama", ollama);
    const pg = await hub.getUnit("acorn-bear-prod", "postgres");
    await hub.putUnitData(
      "acorn-bear-prod",
      "postgres",
      `${globalAppData("postgres")}---\napiVersion: example.com/v1\nkind: Nonexistent\nmetadata:\n  name: x\n`,
    );
    const results = await applySpaceUnits(hub, cluster, "acorn-bear-prod", { namespace: ns.name });
    const byUnit = Object.fromEntries(results.map((r) => [r.unit, r]));
    expect(byUnit.ollama.pruned).toEqual([{ apiVersion: "v1", kind: "Service", namespace: ns.name, name: "ollama" }]);
    expect(byUnit.ollama.error).toBeNull();
    expect(byUnit.postgres.error).toMatch(/Nonexistent/);
    expect(byUnit.backend.error).toBeNull();
    const core = loadKubeConfig().makeApiClient(CoreV1Api);
    await expect(core.readNamespacedService({ name: "ollama", namespace: ns.name })).rejects.toMatchObject({
      code: 404,
    });
    expect((await hub.getUnit("acorn-bear-prod", "postgres")).LastAppliedRevisionNum).toBe(pg.LastAppliedRevisionNum);
    expect((await hub.getUnit("acorn-bear-prod", "ollama")).LastAppliedRevisionNum).toBe(
      (await hub.getUnit("acorn-bear-prod", "ollama")).HeadRevisionNum,
    );
  });
});

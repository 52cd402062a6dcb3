import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { kubectl } from "../../src/demo/kubectl.js";
import { SELF_DEV_SPACE as DEV, loadSelfUnits, SELF_PROD_SPACE as PROD } from "../../src/demo/load.js";
import type { KubeObject } from "../../src/drift/types.js";
import type { ConfigHubClient } from "../../src/hub/confighub/client.js";
import { kubectlFor } from "../../src/sandbox/kubectl.js";
import { type MemoryHub, objectsOf, setImageReference, startMemoryHub, unitDeployment } from "../helpers/memory-hub.js";

// The drift-detector managed like the app beside it: its deploy/ manifests as units of drift-detector-dev, prod
// cloned from dev with prod's own settings; a new image set in dev is promoted to prod (upgrade) and rolled back
// (restore), all over the embedded hub's HTTP API; every state of prod stays valid for the sandbox's API server.

const DEPLOY = resolve(import.meta.dirname, "../../deploy");
const IMAGE = "ghcr.io/drift-detector/drift-detector";

// biome-ignore lint/suspicious/noExplicitAny: reading into manifests
type Any = any;

let memoryHub: MemoryHub;
let hub: ConfigHubClient;
let kubeconfig: string;

const workload = (space: string): Promise<Any> => unitDeployment(hub, space, "drift-detector");
const containerOf = (d: Any) => d.spec.template.spec.containers[0];
const envNames = (d: Any) => containerOf(d).env.map((e: Any) => e.name);

beforeAll(async () => {
  kubeconfig = inject("kubeconfig");
  memoryHub = await startMemoryHub();
  hub = memoryHub.client;
  await loadSelfUnits(hub, DEPLOY, { kubectl: kubectlFor(kubeconfig) });
});

afterAll(async () => {
  await memoryHub?.close();
});

describe("the drift-detector's own units in the hub", () => {
  it("dev holds the dev overlay; prod is cloned from dev and keeps prod's settings as its own revision", async () => {
    const devUnits = (await hub.listUnits(DEV)).map((u) => u.Unit.Slug).sort();
    expect(devUnits).toEqual(["drift-detector", "monitoring", "namespace", "rbac"]);
    for (const { Unit: unit } of await hub.listUnits(PROD)) {
      expect(unit.UpstreamUnitID, unit.Slug).toBe((await hub.getUnit(DEV, unit.Slug)).UnitID);
    }
    const dev = await workload(DEV);
    const prod = await workload(PROD);
    expect(dev.spec.replicas).toBe(1);
    expect(prod.spec.replicas).toBe(2);
    expect(envNames(dev)).not.toContain("DATABASE_URL");
    expect(envNames(prod)).toContain("DATABASE_URL");
    expect(containerOf(dev).image).toBe(`${IMAGE}:0.1.0`);
  });

  it("a new image set in dev is promoted to prod with upgrade, keeping prod's own settings, and rolled back with restore", async () => {
    const [result] = await hub.invokeFunctions(
      DEV,
      "Slug = 'drift-detector'",
      [setImageReference("drift-detector", ":0.2.0")],
      "release 0.2.0",
    );
    // ConfigHub's FunctionInvocationsResponse: Success, and no Error on success
    expect(result.Success).toBe(true);
    expect(result.Error).toBeUndefined();
    expect(containerOf(await workload(DEV)).image).toBe(`${IMAGE}:0.2.0`);
    expect(containerOf(await workload(PROD)).image).toBe(`${IMAGE}:0.1.0`);

    // `hub unit update --patch --upgrade --space drift-detector-prod`: every unit of the space.
    const before = await hub.getUnit(PROD, "drift-detector");
    const upgraded = await hub.bulkUpgrade(`Space.Slug = '${PROD}'`);
    expect(upgraded.map((r) => r.Error)).toEqual(upgraded.map(() => undefined));
    expect(upgraded.flatMap((r) => r.Conflicts)).toEqual([]);
    const promoted = await workload(PROD);
    expect(containerOf(promoted).image).toBe(`${IMAGE}:0.2.0`);
    expect(promoted.spec.replicas).toBe(2);
    expect(envNames(promoted)).toContain("DATABASE_URL");
    expect(promoted.spec.strategy?.type).not.toBe("Recreate");
    await expectValidForTheCluster(PROD);

    // `hub unit update drift-detector --space drift-detector-prod --restore N`: N's data becomes a new head.
    const restored = await hub.restoreUnit(PROD, "drift-detector", before.HeadRevisionNum);
    expect(restored.HeadRevisionNum).toBeGreaterThan(before.HeadRevisionNum + 1);
    const rolledBack = await workload(PROD);
    expect(containerOf(rolledBack).image).toBe(`${IMAGE}:0.1.0`);
    expect(rolledBack.spec.replicas).toBe(2);
    expect(containerOf(await workload(DEV)).image).toBe(`${IMAGE}:0.2.0`);
    await expectValidForTheCluster(PROD);
  });
});

/** Every object of the space passes a server-side dry-run apply (what delivering it would do). */
async function expectValidForTheCluster(space: string): Promise<void> {
  await kubectl(["apply", "--server-side", "-f", join(DEPLOY, "sandbox/servicemonitor-crd.yaml")], { kubeconfig });
  await kubectl(["wait", "--for=condition=Established", "--timeout=60s", "crd/servicemonitors.monitoring.coreos.com"], {
    kubeconfig,
  });
  await kubectl(["apply", "--server-side", "-f", join(DEPLOY, "base/namespace.yaml")], { kubeconfig });
  const items: KubeObject[] = [];
  for (const { Unit: unit } of await hub.listUnits(space))
    items.push(...objectsOf(await hub.getUnitData(space, unit.Slug)));
  const { stdout } = await kubectl(
    ["apply", "--server-side", "--dry-run=server", "--field-manager=confighub", "-f", "-"],
    {
      kubeconfig,
      input: JSON.stringify({ apiVersion: "v1", kind: "List", items }),
    },
  );
  expect(stdout.trim().split("\n")).toHaveLength(items.length);
}

import { randomBytes } from "node:crypto";
import { resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { applySpace } from "../../src/demo/apply.js";
import { loadExampleApp } from "../../src/demo/environments.js";
import { kubectl } from "../../src/demo/kubectl.js";
import { loadApp } from "../../src/demo/load.js";
import type { ConfigHubClient } from "../../src/hub/confighub/client.js";
import { type MemoryHub, setImageReference, startMemoryHub, unitDeployment } from "../helpers/memory-hub.js";

// examples/global-app loaded the way the seed's promotion flow goes: base, qa, staging, prod spaces, each
// environment cloned from its upstream with its own overrides; a change in qa promoted to staging keeps staging's
// namespace, replicas and env; the environments apply to the sandbox.

const GLOBAL_APP = resolve(import.meta.dirname, "../../examples/global-app");

// biome-ignore lint/suspicious/noExplicitAny: reading into manifests
type Any = any;

let memoryHub: MemoryHub;
let hub: ConfigHubClient;
const prefix = `ga-${randomBytes(3).toString("hex")}`;

const deployment = (space: string, name: string): Promise<Any> => unitDeployment(hub, space, name);
const env = (d: Any) => Object.fromEntries(d.spec.template.spec.containers[0].env.map((e: Any) => [e.name, e.value]));

beforeAll(async () => {
  memoryHub = await startMemoryHub();
  hub = memoryHub.client;
  await loadApp(hub, prefix, { name: "global-app", ...(await loadExampleApp(GLOBAL_APP)) });
});

afterAll(async () => {
  await memoryHub?.close();
});

describe("global-app in the hub", () => {
  it("has a base space and qa, staging, prod cloned down the chain with their overrides", async () => {
    const spaces = (await hub.listSpaces(`Slug LIKE '${prefix}-%'`)).map((s) => s.Space.Slug).sort();
    expect(spaces).toEqual(["base", "prod", "qa", "staging"].map((e) => `${prefix}-${e}`));
    const upstreamOf = async (space: string, unit: string) => (await hub.getUnit(space, unit)).UpstreamUnitID;
    expect(await upstreamOf(`${prefix}-qa`, "backend")).toBe((await hub.getUnit(`${prefix}-base`, "backend")).UnitID);
    expect(await upstreamOf(`${prefix}-prod`, "backend")).toBe(
      (await hub.getUnit(`${prefix}-staging`, "backend")).UnitID,
    );

    const prod = await deployment(`${prefix}-prod`, "backend");
    expect(prod.metadata.namespace).toBe(`${prefix}-prod`);
    expect(prod.spec.replicas).toBe(3);
    expect(env(prod).LOG_LEVEL).toBe("warn");
    expect(prod.spec.template.spec.containers[0].image).toBe("ghcr.io/confighubai/cubbychat/backend:1.1.1");
    const base = await deployment(`${prefix}-base`, "backend");
    expect(base.metadata.namespace).toBe("global-app");
  });

  it("promotes a new image from qa to staging, keeping staging's namespace, replicas and env", async () => {
    const qa = `${prefix}-qa`;
    const staging = `${prefix}-staging`;
    const [result] = await hub.invokeFunctions(
      qa,
      "Slug = 'backend'",
      [setImageReference("backend", ":1.1.2")],
      "backend 1.1.2",
    );
    // ConfigHub's FunctionInvocationsResponse: Success, and no Error on success
    expect(result.Success).toBe(true);
    expect(result.Error).toBeUndefined();
    const { conflicts } = await hub.upgradeUnit(staging, "backend");
    expect(conflicts).toEqual([]);
    const promoted = await deployment(staging, "backend");
    expect(promoted.spec.template.spec.containers[0].image).toBe("ghcr.io/confighubai/cubbychat/backend:1.1.2");
    expect(promoted.metadata.namespace).toBe(staging);
    expect(promoted.spec.replicas).toBe(2);
    expect(env(promoted).LOG_LEVEL).toBe("info");
  });

  it("applies an environment to the sandbox", async () => {
    const kubeconfig = inject("kubeconfig");
    const space = `${prefix}-qa`;
    const r = await applySpace(hub, space, { kubeconfig, first: ["namespace"] });
    expect(r.units).toBe(5);
    const { stdout } = await kubectl(["get", "deployments", "-n", space, "-o", "name"], { kubeconfig });
    expect(stdout.trim().split("\n").sort()).toEqual([
      "deployment.apps/backend",
      "deployment.apps/frontend",
      "deployment.apps/ollama",
    ]);
    await kubectl(["delete", "namespace", space, "--wait=false"], { kubeconfig });
  });
});

import { randomBytes } from "node:crypto";
import type { AddressInfo } from "node:net";
import { resolve } from "node:path";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { applySpace } from "../../src/demo/apply.js";
import { loadExampleApp } from "../../src/demo/environments.js";
import { kubectl } from "../../src/demo/kubectl.js";
import { loadApp } from "../../src/demo/load.js";
import { ConfigHubClient } from "../../src/desired/confighub-client.js";
import { buildHubServer } from "../../src/hub/http/server.js";
import { Hub } from "../../src/hub/hub.js";
import type { Database } from "../../src/store/database.js";
import { openStore } from "../../src/store/open.js";

// examples/global-app loaded the way the seed's promotion flow goes: base, qa, staging, prod spaces, each
// environment cloned from its upstream with its own overrides; a change in qa promoted to staging keeps staging's
// namespace, replicas and env; the environments apply to the sandbox.

const GLOBAL_APP = resolve(import.meta.dirname, "../../examples/global-app");

// biome-ignore lint/suspicious/noExplicitAny: reading into manifests
type Any = any;

let db: Database;
let server: FastifyInstance;
let hub: ConfigHubClient;
const prefix = `ga-${randomBytes(3).toString("hex")}`;

const objectsOf = (data: string): Any[] => parseAllDocuments(data).map((d) => d.toJS());
async function deployment(space: string, name: string): Promise<Any> {
  const data = await hub.getUnitData(space, name);
  return objectsOf(data).find((o) => o.kind === "Deployment");
}
const env = (d: Any) => Object.fromEntries(d.spec.template.spec.containers[0].env.map((e: Any) => [e.name, e.value]));

beforeAll(async () => {
  db = await openStore({ dataDir: null, databaseUrl: "" });
  const token = randomBytes(16).toString("hex");
  server = buildHubServer({ hub: new Hub(db), token });
  await server.listen({ host: "127.0.0.1", port: 0 });
  hub = new ConfigHubClient({ url: `http://127.0.0.1:${(server.server.address() as AddressInfo).port}`, token });
  await loadApp(hub, prefix, { name: "global-app", ...(await loadExampleApp(GLOBAL_APP)) });
});

afterAll(async () => {
  await server?.close();
  await db?.close();
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
      [
        {
          FunctionName: "set-image-reference",
          Arguments: [
            { ParameterName: "container-name", Value: "backend" },
            { ParameterName: "image-reference", Value: ":1.1.2" },
          ],
        },
      ],
      "backend 1.1.2",
    );
    expect(result.Error).toBeNull();
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

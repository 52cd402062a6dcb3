// Our hub as the ConfigHub client meets it: served over real HTTP from this process, on an in-memory store; and
// what tests of hub flows write and read through it.
import { randomBytes } from "node:crypto";
import type { AddressInfo } from "node:net";
import { parseAllDocuments } from "yaml";
import { ConfigHubClient } from "../../src/hub/confighub/client.js";
import { buildHubServer } from "../../src/hub/http/server.js";
import { Hub } from "../../src/hub/hub.js";
import type { FunctionInvocation } from "../../src/hub/types.js";
import { openStore } from "../../src/store/open.js";

export interface MemoryHub {
  client: ConfigHubClient;
  close(): Promise<void>;
}

/** Starts the hub's HTTP API on a free port of 127.0.0.1, with a random token its client holds. */
export async function startMemoryHub(): Promise<MemoryHub> {
  const db = await openStore({ dataDir: null, databaseUrl: "" });
  const token = randomBytes(16).toString("hex");
  const server = buildHubServer({ hub: new Hub(db), token });
  const close = async () => {
    await server.close();
    await db.close();
  };
  try {
    await server.listen({ host: "127.0.0.1", port: 0 });
  } catch (err) {
    await close();
    throw err;
  }
  const url = `http://127.0.0.1:${(server.server.address() as AddressInfo).port}`;
  return { client: new ConfigHubClient({ url, token }), close };
}

/** The hub function call that sets `container`'s image reference (`:TAG` keeps the repository). */
export const setImageReference = (container: string, reference: string): FunctionInvocation => ({
  FunctionName: "set-image-reference",
  Arguments: [
    { ParameterName: "container-name", Value: container },
    { ParameterName: "image-reference", Value: reference },
  ],
});

// biome-ignore lint/suspicious/noExplicitAny: manifests are read field by field
export const objectsOf = (data: string): any[] => parseAllDocuments(data).map((d) => d.toJS());

/** The Deployment among the objects of a unit's data. */
// biome-ignore lint/suspicious/noExplicitAny: manifests are read field by field
export async function unitDeployment(hub: ConfigHubClient, space: string, unit: string): Promise<any> {
  return objectsOf(await hub.getUnitData(space, unit)).find((o) => o.kind === "Deployment");
}

// The proof that server mode may trust client rules' "in sync" (issue 16's client-first): on the state a scenario's
// verdict is taken on, server mode dry-running every object, client-first server mode and client mode are run on
// one read of live. Client mode must never call in sync what full server mode calls otherwise, and client-first
// must give exactly full server mode's results.
import { isDeepStrictEqual } from "node:util";
import { detect } from "../../src/detection/detect.js";
import { directLiveReader, type LiveReader } from "../../src/detection/live.js";
import type { KubeObject, ResourceResult } from "../../src/drift/types.js";
import type { VerdictState } from "../../src/scenarios/runner.js";

export interface ClientFirstTally {
  /** Objects compared in all three ways. */
  objects: number;
  /** Of those, the ones client mode called in sync: each one a dry-run client-first saved. */
  clientInSync: number;
  /** Of those, the ones full server mode called drifted or missing. */
  serverDrifted: number;
}

export function clientFirstCrossCheck(tally: ClientFirstTally) {
  return async (state: VerdictState): Promise<string[]> => {
    const live = oneRead(directLiveReader(state.cluster.client));
    const run = (mode: "server" | "client", clientFirst: boolean) =>
      detect(state.snapshot, state.cluster, {
        mode,
        clientFirst,
        namespace: state.namespace,
        live,
        baselines: state.baselines.copy(),
      });
    const full = await run("server", false);
    const first = await run("server", true);
    const client = await run("client", false);
    const problems: string[] = [];
    full.forEach((server, i) => {
      const name = `${server.ref.kind}/${server.ref.name}`;
      tally.objects++;
      if (server.status !== "InSync") tally.serverDrifted++;
      if (client[i]!.status === "InSync") {
        tally.clientInSync++;
        if (server.status !== "InSync")
          problems.push(`client mode calls ${name} in sync, server mode ${server.status}: ${describe(server)}`);
      }
      if (!isDeepStrictEqual(first[i], server))
        problems.push(
          `client-first server mode differs on ${name}: ${describe(first[i]!)} against ${describe(server)}`,
        );
    });
    return problems;
  };
}

/** Live as read once: every detection of the cross-check sees the same objects, whatever controllers do meanwhile. */
function oneRead(reader: LiveReader): LiveReader {
  const gets = new Map<string, Promise<KubeObject | undefined>>();
  const lists = new Map<string, Promise<KubeObject[]>>();
  const memo = <T>(map: Map<string, Promise<T>>, key: string, read: () => Promise<T>) => {
    let got = map.get(key);
    if (!got) {
      got = read();
      map.set(key, got);
    }
    return got;
  };
  return {
    get: (info, ns, name) =>
      memo(gets, `${info.apiVersion}/${info.plural}/${ns}/${name}`, () => reader.get(info, ns, name)),
    list: (info, ns) => memo(lists, `${info.apiVersion}/${info.plural}/${ns}`, () => reader.list(info, ns)),
  };
}

function describe(r: ResourceResult): string {
  return JSON.stringify({ status: r.status, changes: r.changes, ignored: r.ignored, error: r.error });
}

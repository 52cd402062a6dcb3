// A TCP pass-through on loopback that a test can cut, stall, freeze and restore: a network partition between a client
// and a real server (TLS stays end to end). It imitates nothing; while cut, connections are reset as a dead route
// would; while stalled, nothing flows either way and nothing is closed (packets dropped), so requests hang until
// timeouts; frozen connections are those dead without a FIN or RST while new ones get through (a NAT entry lost).
import { readFileSync, writeFileSync } from "node:fs";
import { createConnection, createServer, type Server, type Socket } from "node:net";
import { join } from "node:path";
import { parse, stringify } from "yaml";

export interface TcpProxy {
  port: number;
  /** Resets every open connection and every new one until restore(). */
  cut(): void;
  /** Holds every byte of every connection, open or new, until restore(). */
  stall(): void;
  /** Holds every byte of the connections open now until restore(); new connections pass. */
  freeze(): void;
  restore(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  const pairs = new Set<{ client: Socket; upstream: Socket }>();
  const held: Array<() => void> = [];
  let cut = false;
  let stalled = false;
  const frozen = new Set<{ client: Socket; upstream: Socket }>();
  const freeze = () => {
    for (const pair of pairs) {
      pair.client.unpipe(pair.upstream);
      pair.upstream.unpipe(pair.client);
      pair.client.pause(); // kept in the socket's buffer, not lost
      pair.upstream.pause();
      frozen.add(pair);
    }
  };
  const connect = (client: Socket) => {
    const upstream = createConnection(target);
    const pair = { client, upstream };
    pairs.add(pair);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on("close", () => {
        sockets.delete(s);
        pairs.delete(pair);
      });
      s.on("error", () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream);
    upstream.pipe(client);
  };
  const server: Server = createServer((client) => {
    if (cut) {
      client.resetAndDestroy();
      return;
    }
    if (!stalled) return connect(client);
    client.on("error", () => client.destroy());
    held.push(() => connect(client));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as { port: number }).port,
    cut() {
      cut = true;
      for (const s of sockets) s.resetAndDestroy();
    },
    stall() {
      stalled = true;
      freeze();
    },
    freeze,
    restore() {
      cut = false;
      stalled = false;
      for (const pair of frozen) {
        if (!pairs.has(pair)) continue;
        pair.client.pipe(pair.upstream);
        pair.upstream.pipe(pair.client);
      }
      frozen.clear();
      for (const start of held.splice(0)) start();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A copy of `kubeconfig` (written into `dir`) whose first cluster is reached through a new pass-through. */
export async function proxiedKubeconfig(kubeconfig: string, dir: string): Promise<{ proxy: TcpProxy; path: string }> {
  const config = parse(readFileSync(kubeconfig, "utf8"));
  const server = new URL(config.clusters[0].cluster.server);
  const proxy = await startTcpProxy({ host: server.hostname, port: Number(server.port) });
  config.clusters[0].cluster.server = `https://127.0.0.1:${proxy.port}`;
  const path = join(dir, "proxied.kubeconfig");
  writeFileSync(path, stringify(config), { mode: 0o600 });
  return { proxy, path };
}

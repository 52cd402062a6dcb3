// Benchmark of replicas sharing the work (DRIFT_SHARDING): the same shards (one directory source each, its own
// namespace) detected by 1, 2 and 3 `drift-detector run` processes sharing PostgreSQL, measured from outside: the
// time until every shard's first full detection is done, and a burst of drifts (every shard at once) until each
// is announced. With 3 replicas also the rebalances: one SIGKILLed (its shards owned and detected again) and a
// fourth started (how many shards move, how long until balanced).
// Usage: npm run bench:sharding -- [--shards 6] [--objects 200] [--changes 50] [--replicas 1,2,3] [--kubeconfig F]
// Default kubeconfig: DRIFT_BENCH_KUBECONFIG, then .sandbox/dev/kubeconfig; PostgreSQL: a throwaway server.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import pg from "pg";
import { loadCluster } from "../src/kube/cluster.js";
import { mapLimit } from "../src/lib/concurrency.js";
import { lineTime, type ReplicaProcess, startReplicaProcess } from "../test/helpers/replica-process.js";
import { startPostgres } from "../test/setup/postgres.js";

const { values } = parseArgs({
  options: {
    shards: { type: "string", default: "6" },
    objects: { type: "string", default: "200" },
    changes: { type: "string", default: "50" },
    replicas: { type: "string", default: "1,2,3" },
    kubeconfig: { type: "string" },
  },
});
const SHARDS = Number(values.shards);
const OBJECTS = Number(values.objects);
const CHANGES = Number(values.changes);
const LEASE_S = 6;
const kubeconfig = resolve(values.kubeconfig ?? process.env.DRIFT_BENCH_KUBECONFIG ?? ".sandbox/dev/kubeconfig");
const cluster = loadCluster({ kubeconfig });
const { client } = cluster;
const context = cluster.contextName;
const postgres = await startPostgres();
const work = mkdtempSync(join(tmpdir(), "bench-sharding-"));
const run = Date.now().toString(36);
const nsOf = (s: number) => `bench-shard-${run}-${s}`;
const dirOf = (s: number) => join(work, `shard-${s}`);
const shardKey = (s: number) => `${context}=${dirOf(s)}`;

async function until<T>(what: string, fn: () => T | undefined | false, ms = 300_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function createDatabase(name: string): Promise<string> {
  const admin = new pg.Client({ connectionString: postgres.url });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(postgres.url);
  url.pathname = `/${name}`;
  return url.toString();
}

async function setUp(): Promise<void> {
  await mapLimit(
    Array.from({ length: SHARDS }, (_, s) => s),
    4,
    async (s) => {
      const ns = nsOf(s);
      await client.request({
        method: "POST",
        path: "/api/v1/namespaces",
        body: { apiVersion: "v1", kind: "Namespace", metadata: { name: ns } },
      });
      const names = Array.from({ length: OBJECTS }, (_, i) => `cm-${i}`);
      await mapLimit(names, 16, async (name) => {
        const body = { apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace: ns }, data: { value: "a" } };
        await client.request({ method: "POST", path: `/api/v1/namespaces/${ns}/configmaps`, body });
      });
      mkdirSync(dirOf(s));
      const docs = names.map((n) => `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ${n}, namespace: ${ns}}\n`);
      writeFileSync(join(dirOf(s), "all.yaml"), docs.map((d) => `${d}data: {value: a}\n`).join("---\n"));
    },
  );
}

/** Every replica started, killed at the end whatever happened. */
const started: ReplicaProcess[] = [];

function startReplica(name: string, group: string, databaseUrl: string): ReplicaProcess {
  const args = ["--listen", "127.0.0.1:0", "--lease-duration", `${LEASE_S}s`];
  for (let s = 0; s < SHARDS; s++) args.push("--cluster", shardKey(s));
  const replica = startReplicaProcess(name, args, {
    KUBECONFIG: kubeconfig,
    DATABASE_URL: databaseUrl,
    DRIFT_ANALYSIS: "off",
    DRIFT_LEASE_NAME: group,
    DRIFT_LEASE_NAMESPACE: "default",
    DRIFT_INTERVAL: "1h",
    DRIFT_SOURCE_POLL: "1h",
  });
  started.push(replica);
  return replica;
}

const doneLines = (rs: ReplicaProcess[], after: number) =>
  rs.flatMap((r) =>
    r.linesWhere((l) => l.msg === "first full detection done" && typeof l.shard === "string" && lineTime(l) >= after),
  );
/** Every shard's first full detection since `after`, on whichever replica: the latest of them. */
const allDetected = (rs: ReplicaProcess[], after: number, shards: number[]) => {
  const lines = doneLines(rs, after);
  const last = shards.map((s) =>
    lines
      .filter((l) => l.shard === shardKey(s))
      .map(lineTime)
      .at(-1),
  );
  return last.every((t) => t !== undefined) ? Math.max(...(last as number[])) : undefined;
};
/** Shard → replica, from the replicas' "became leader" and "stopped leading" lines in time order. */
const owners = (rs: ReplicaProcess[]) => {
  const events = rs
    .flatMap((r) =>
      r.lines
        .filter((l) => typeof l.shard === "string" && (l.msg === "became leader" || l.msg === "stopped leading"))
        .map((l) => ({ r: r.name, l })),
    )
    .sort((a, b) => lineTime(a.l) - lineTime(b.l));
  const owned = new Map<string, string>();
  for (const { r, l } of events) {
    const shard = l.shard as string;
    if (l.msg === "became leader") owned.set(shard, r);
    else if (owned.get(shard) === r) owned.delete(shard);
  }
  return owned;
};
const balanced = (rs: ReplicaProcess[]) => {
  const o = owners(rs);
  if (o.size !== SHARDS) return false;
  const counts = rs.map((r) => [...o.values()].filter((n) => n === r.name).length);
  return Math.max(...counts) - Math.min(...counts) <= 1;
};

async function bench(replicaCount: number): Promise<Record<string, unknown>> {
  const group = `bench-${run}-r${replicaCount}`;
  const databaseUrl = await createDatabase(`bench_${run}_r${replicaCount}`);
  const t0 = Date.now();
  const rs = Array.from({ length: replicaCount }, (_, i) =>
    startReplica(`bench-${replicaCount}-${i}`, group, databaseUrl),
  );
  const shards = Array.from({ length: SHARDS }, (_, s) => s);
  const firstAt = await until("every shard detected", () => allDetected(rs, t0, shards) && balanced(rs) && Date.now());
  const firstS = (firstAt - t0) / 1000;
  const fullSeconds = doneLines(rs, t0).map((l) => Number(l.seconds));

  // A burst: CHANGES drifts on every shard at once, until each is announced.
  const burstAt = Date.now();
  const targets = shards.flatMap((s) => Array.from({ length: CHANGES }, (_, i) => ({ s, name: `cm-${i}` })));
  await mapLimit(targets, 16, ({ s, name }) =>
    client.request({
      method: "PATCH",
      path: `/api/v1/namespaces/${nsOf(s)}/configmaps/${name}`,
      query: { fieldManager: "kubectl-patch" },
      body: { data: { value: `b-${replicaCount}` } },
      contentType: "application/merge-patch+json",
    }),
  );
  const opened = () => rs.reduce((n, r) => n + r.linesWhere((l) => l.event === "opened").length, 0);
  await until("the burst announced", () => opened() >= targets.length);
  const burstS = (Date.now() - burstAt) / 1000;
  // Put the objects back for the next run (its own database opens the same drifts again otherwise).
  await mapLimit(targets, 16, ({ s, name }) =>
    client.request({
      method: "PATCH",
      path: `/api/v1/namespaces/${nsOf(s)}/configmaps/${name}`,
      query: { fieldManager: "kubectl-patch" },
      body: { data: { value: "a" } },
      contentType: "application/merge-patch+json",
    }),
  );

  const result: Record<string, unknown> = {
    replicas: replicaCount,
    objects: SHARDS * OBJECTS,
    startToAllDetectedS: round(firstS),
    fullDetectionS: { min: round(Math.min(...fullSeconds)), max: round(Math.max(...fullSeconds)) },
    burst: { drifts: targets.length, seconds: round(burstS), perSecond: round(targets.length / burstS) },
    duplicates: opened() - targets.length,
  };

  if (replicaCount === 3) {
    const o = owners(rs);
    const victim = rs[0]!;
    const lost = [...o].filter(([, n]) => n === victim.name).map(([k]) => shards.find((s) => shardKey(s) === k)!);
    victim.kill("SIGKILL");
    const killedAt = (await victim.exited).at;
    const rest = rs.slice(1);
    const takenAt = await until("the lost shards owned again", () => {
      const lines = rest.flatMap((r) => r.linesWhere((l) => l.msg === "became leader" && lineTime(l) > killedAt));
      const times = lost.map((s) => lines.find((l) => l.shard === shardKey(s))).map((l) => l && lineTime(l));
      return times.every((t) => t !== undefined) ? Math.max(...(times as number[])) : undefined;
    });
    const redetectedAt = await until("the lost shards detected again", () => allDetected(rest, killedAt, lost));
    const joinedAt = Date.now();
    const fourth = startReplica(`bench-3-join`, group, databaseUrl);
    const live = [...rest, fourth];
    const balancedAt = await until("balanced with the new replica", () => balanced(live) && Date.now());
    await new Promise((r) => setTimeout(r, LEASE_S * 1000));
    const moves = live.flatMap((r) => r.linesWhere((l) => l.msg === "became leader" && lineTime(l) >= joinedAt));
    result.sigkill = {
      shardsLost: lost.length,
      ownedAgainS: round((takenAt - killedAt) / 1000),
      detectedAgainS: round((redetectedAt - killedAt) / 1000),
      leaseS: LEASE_S,
    };
    result.join = {
      moves: moves.length,
      bound: Math.ceil(SHARDS / live.length),
      balancedS: round((balancedAt - joinedAt) / 1000),
    };
    rs.push(fourth);
  }
  for (const r of rs) r.kill("SIGTERM");
  await Promise.all(rs.map((r) => r.exited));
  return result;
}

const round = (x: number) => Math.round(x * 100) / 100;

try {
  await setUp();
  const results = [];
  for (const n of values.replicas.split(",").map(Number)) {
    const r = await bench(n);
    console.log(JSON.stringify(r));
    results.push(r);
  }
  console.log(
    JSON.stringify({ machine: { cpus: cpus().length, model: cpus()[0]?.model }, shards: SHARDS, results }, null, 2),
  );
} finally {
  for (const r of started) r.kill("SIGKILL");
  await Promise.all(started.map((r) => r.exited));
  for (let s = 0; s < SHARDS; s++) {
    await client.request({ method: "DELETE", path: `/api/v1/namespaces/${nsOf(s)}` }).catch(() => {});
  }
  client.close();
  await postgres.stop();
  rmSync(work, { recursive: true, force: true });
}

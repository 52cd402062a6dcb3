// Replicas sharing the work: three real `run` processes, six shards (one directory source each, on one sandbox
// cluster), PostgreSQL shared. Each replica owns two shards; a SIGKILLed replica's shards are owned again by the
// others within the lease duration (plus the membership poll) and detected, nothing announced twice, no drift lost;
// a replica joining moves at most ⌈S/N⌉ shards.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { shardLeaseName } from "../../src/sharding/shard.js";
import {
  createTestNamespace,
  kubectlIn,
  kubectlWithInput,
  loadKubeConfig,
  type TestNamespace,
} from "../helpers/kube.js";
import { modeConfigMap } from "../helpers/manifests.js";
import { lineTime, type ReplicaProcess, startReplicaProcess } from "../helpers/replica-process.js";
import { until } from "../helpers/service-run.js";
import { createTestDatabase } from "../helpers/stores.js";
import { proxiedKubeconfig, type TcpProxy } from "../helpers/tcp-proxy.js";

const LEASE_MS = 6000;
const SHARDS = 6;
const TOKEN = "sharding-test-token-0123456789";
let ns: TestNamespace;
let dir: string;
let databaseUrl: string;
let context: string;
let proxy: TcpProxy | undefined;
const replicas: ReplicaProcess[] = [];
const names = Array.from({ length: SHARDS }, (_, i) => `cm-${i}`);
const sourceOf = (i: number) => join(dir, `shard-${i}`);
const shardKey = (i: number) => `${context}=${sourceOf(i)}`;
const leaseOf = (i: number, group = "shard-test") => shardLeaseName(group, shardKey(i));

function startReplica(
  name: string,
  kubeconfig = inject("kubeconfig"),
  group = "shard-test",
  env: NodeJS.ProcessEnv = {},
): ReplicaProcess {
  const args = ["--listen", "127.0.0.1:0", "--lease-namespace", ns.name, "--lease-duration", `${LEASE_MS / 1000}s`];
  for (let i = 0; i < SHARDS; i++) args.push("--cluster", `${context}=${sourceOf(i)}`);
  const r = startReplicaProcess(name, args, {
    KUBECONFIG: kubeconfig,
    DATABASE_URL: databaseUrl,
    DRIFT_ANALYSIS: "rules",
    DRIFT_LEASE_NAME: group,
    DRIFT_INTERVAL: "10m",
    DRIFT_REMEDIATION: "suggest",
    DRIFT_API_TOKEN: TOKEN,
    ...env,
  });
  replicas.push(r);
  return r;
}

/** Shard index → the replica (POD_NAME) holding its Lease now, from the apiserver. */
function holders(group = "shard-test"): Map<number, string> {
  const leases = JSON.parse(kubectlIn(ns.name, "get", "leases", "-o", "json")).items as Array<{
    metadata: { name: string };
    spec: { holderIdentity?: string | null };
  }>;
  const out = new Map<number, string>();
  for (let i = 0; i < SHARDS; i++) {
    const holder = leases.find((l) => l.metadata.name === leaseOf(i, group))?.spec.holderIdentity;
    if (holder) out.set(i, holder.replace(/_[0-9a-f]+$/, ""));
  }
  return out;
}

/** Waits (polling the Leases) until every shard is held, by `live` only, as evenly as can be. */
async function balancedOver(live: ReplicaProcess[], ms = 90_000, group = "shard-test"): Promise<Map<number, string>> {
  return until(
    `shards balanced over ${live.map((r) => r.name).join(", ")}`,
    async () => {
      await new Promise((r) => setTimeout(r, 400));
      const h = holders(group);
      if (h.size !== SHARDS) return undefined;
      const counts = live.map((r) => [...h.values()].filter((n) => n === r.name).length);
      const total = counts.reduce((a, b) => a + b, 0);
      const ok = total === SHARDS && Math.max(...counts) - Math.min(...counts) <= 1;
      return ok ? h : undefined;
    },
    ms,
  );
}

const api = (r: ReplicaProcess) => String(r.lines.find((l) => l.msg === "drift-detector started")?.address);
const cmRef = (name: string) => `ConfigMap ${ns.name}/${name}`;
const opened = (name: string) =>
  replicas.flatMap((r) => r.linesWhere((l) => l.event === "opened" && l.resource === cmRef(name)));
const fullDone = (r: ReplicaProcess, i: number, after = 0) =>
  r.linesWhere((l) => l.msg === "first full detection done" && l.shard === shardKey(i) && lineTime(l) >= after).length >
  0;
const byName = (name: string) => replicas.find((r) => r.name === name)!;
const drift = (name: string, mode: string) =>
  kubectlIn(ns.name, "patch", "configmap", name, "--type=merge", "-p", JSON.stringify({ data: { mode } }));

describe("replicas sharing six shards", () => {
  beforeAll(async () => {
    ns = await createTestNamespace(loadKubeConfig(), "shard");
    context = loadKubeConfig().getCurrentContext();
    dir = mkdtempSync(join(tmpdir(), "sharding-"));
    databaseUrl = await createTestDatabase();
    const docs = names.map((n) => modeConfigMap(ns.name, n, "declared"));
    for (let i = 0; i < SHARDS; i++) {
      mkdirSync(sourceOf(i));
      writeFileSync(join(sourceOf(i), "objects.yaml"), docs[i]!);
    }
    kubectlWithInput(["apply", "--server-side", "-f", "-"], docs.join("---\n"));
  });

  afterAll(async () => {
    proxy?.restore();
    for (const r of replicas) r.kill("SIGKILL");
    await Promise.all(replicas.map((r) => r.exited));
    await proxy?.close();
    await ns?.delete();
    rmSync(dir, { recursive: true, force: true });
  });

  it("two shards each; a SIGKILLed replica's shards are taken over without repeats or loss; joins move few", async () => {
    const [a, b, c] = ["replica-a", "replica-b", "replica-c"].map((n) => startReplica(n)) as [
      ReplicaProcess,
      ReplicaProcess,
      ReplicaProcess,
    ];
    const first = await balancedOver([a, b, c]);
    for (const r of [a, b, c]) expect([...first.values()].filter((n) => n === r.name)).toHaveLength(2);
    for (const r of [a, b, c]) {
      await until(`${r.name}'s metrics say two shards`, async () => {
        const text = await (await fetch(`${api(r)}/metrics`)).text();
        return /^drift_detector_owned_shards 2$/m.test(text) && /^drift_detector_shard_members 3$/m.test(text);
      });
    }
    for (let i = 0; i < SHARDS; i++) {
      await until(`shard ${i} detected`, () => fullDone(byName(first.get(i)!), i), 60_000);
    }

    // A drift on every shard: each announced once, by its owner.
    for (const n of names) drift(n, "manual");
    for (let i = 0; i < SHARDS; i++) {
      await until(`${names[i]} announced`, () => opened(names[i]!).length === 1, 60_000);
      expect(opened(names[i]!)[0]).toBe(byName(first.get(i)!).lines.find((l) => l === opened(names[i]!)[0]));
    }

    // SIGKILL a; while nobody owns its shards, one of them drifts further (that must not be lost).
    const aShards = [...first].filter(([, n]) => n === a.name).map(([i]) => i);
    a.kill("SIGKILL");
    const killedAt = (await a.exited).at;
    const lateDrift = names[aShards[0]!]!;
    drift(lateDrift, "late");
    const second = await balancedOver([b, c], 60_000);
    const taken = await Promise.all(
      aShards.map((i) =>
        until(`shard ${i} taken over`, () => {
          const l = byName(second.get(i)!).linesWhere(
            (x) => x.msg === "became leader" && x.shard === shardKey(i) && lineTime(x) > killedAt,
          );
          return l[0] && lineTime(l[0]);
        }),
      ),
    );
    const takenAt = Math.max(...taken);
    for (const i of aShards) {
      await until(`shard ${i} detected again`, () => fullDone(byName(second.get(i)!), i, killedAt), 60_000);
    }
    const detectedAt = Math.max(
      ...aShards.map((i) =>
        lineTime(
          byName(second.get(i)!).linesWhere(
            (l) => l.msg === "first full detection done" && l.shard === shardKey(i) && lineTime(l) >= killedAt,
          )[0]!,
        ),
      ),
    );
    // Owned again within the lease duration plus the membership poll (a fifth of it) and the Lease's retry period.
    expect(takenAt - killedAt).toBeLessThan(LEASE_MS * 2);
    // Nothing announced twice; the drift made while unowned is an update of the same record, announced once.
    await until(`${lateDrift} update announced`, () =>
      replicas.some((r) => r.lines.some((l) => l.event === "updated" && l.resource === cmRef(lateDrift))),
    );
    for (const n of names) expect(opened(n)).toHaveLength(1);
    const updates = replicas.flatMap((r) =>
      r.linesWhere((l) => l.event === "updated" && l.resource === cmRef(lateDrift)),
    );
    expect(updates).toHaveLength(1);
    for (const r of [b, c]) expect(r.linesWhere((l) => l.event === "resolved")).toHaveLength(0);

    // Joins: b, c (3 each) + d → 2 each; + e → four replicas, at most ⌈6/4⌉ = 2 shards move.
    const d = startReplica("replica-d");
    const third = await balancedOver([b, c, d]);
    const e = startReplica("replica-e");
    const joinedAt = Date.now();
    const fourth = await balancedOver([b, c, d, e]);
    await new Promise((r) => setTimeout(r, LEASE_MS)); // let any further move show
    const acquisitions = [b, c, d, e].flatMap((r) =>
      r.linesWhere((l) => l.msg === "became leader" && lineTime(l) >= joinedAt),
    );
    const moved = [...fourth].filter(([i, n]) => third.get(i) !== n).length;
    const rebalances = await Promise.all(
      [b, c, d].map(async (r) => {
        const text = await (await fetch(`${api(r)}/metrics`)).text();
        return Number(/^drift_detector_shard_rebalances_total (\d+)$/m.exec(text)?.[1]);
      }),
    );
    // b and c saw a leave, d and e join; d saw e join.
    expect(rebalances[0]).toBeGreaterThanOrEqual(3);
    expect(rebalances[1]).toBeGreaterThanOrEqual(3);
    expect(rebalances[2]).toBeGreaterThanOrEqual(1);
    expect(acquisitions.length).toBeLessThanOrEqual(Math.ceil(SHARDS / 4));
    expect(moved).toBe(acquisitions.length);
    for (const n of names) expect(opened(n)).toHaveLength(1);

    // Any replica answers the read API for every shard, from the shared store.
    const listed = (await (await fetch(`${api(e)}/api/drifts`)).json()) as {
      items: Array<{ id: string; ref: { name: string } }>;
    };
    expect(listed.items.map((x) => x.ref.name).sort()).toEqual([...names].sort());
    // The latest verdicts too: this replica's shards and the others' (each once: a shard that moved left nothing).
    const verdicts = (await (await fetch(`${api(e)}/api/resources`)).json()) as {
      items: Array<{ ref: { name: string } }>;
    };
    expect(verdicts.items.map((x) => x.ref.name).sort()).toEqual([...names].sort());
    // A revert asked of a replica that does not own the shard is executed by the owner (forwarded), once.
    const [target, owner] = [...fourth].find(([, n]) => n !== e.name)!;
    const record = listed.items.find((x) => x.ref.name === names[target])!;
    const res = await fetch(`${api(e)}/api/drifts/${record.id}/actions`, {
      method: "POST",
      headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify({ action: "revert", actor: "test" }),
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { outcome: string }).outcome).toBe("succeeded");
    expect(kubectlIn(ns.name, "get", "configmap", names[target]!, "-o", "jsonpath={.data.mode}")).toBe("declared");
    const resolved = (r: ReplicaProcess) =>
      r.linesWhere((l) => l.event === "resolved" && l.resource === cmRef(names[target]!)).length;
    await until("the revert's resolution announced", () => resolved(byName(owner)) === 1);
    expect(replicas.reduce((n, r) => n + resolved(r), 0)).toBe(1);

    // SIGTERM: each leaves the group and hands its shards back.
    for (const r of [b, c, d, e]) r.kill("SIGTERM");
    for (const r of [b, c, d, e]) expect((await r.exited).code).toBe(0);
    expect(holders().size).toBe(0);
    const left = kubectlIn(ns.name, "get", "leases", "-o", "name");
    for (const r of [b, c, d, e]) expect(left).not.toContain(`shard-test-member-${r.name}`);

    process.stderr.write(
      `[sharding] SIGKILL → shards owned again after ${takenAt - killedAt} ms, detected after ${detectedAt - killedAt} ms (lease ${LEASE_MS} ms); 3→4 replicas moved ${moved} shard(s)\n`,
    );
  }, 400_000);

  it("a replica whose Lease renewals are blocked stops acting on its shards before the other takes them", async () => {
    const proxied = await proxiedKubeconfig(inject("kubeconfig"), dir);
    proxy = proxied.proxy;
    const group = "shard-part";
    const p = startReplica("replica-p", proxied.path, group);
    const q = startReplica("replica-q", inject("kubeconfig"), group);
    const before = await balancedOver([p, q], 90_000, group);
    const pShards = [...before].filter(([, n]) => n === p.name).map(([i]) => i);
    expect(pShards).toHaveLength(SHARDS / 2);

    const stalledAt = Date.now();
    proxy.stall();
    const after = await balancedOver([q], 60_000, group);
    expect(after.size).toBe(SHARDS);
    const at = (r: ReplicaProcess, msg: string, i: number) =>
      r.linesWhere((l) => l.msg === msg && l.shard === shardKey(i) && lineTime(l) >= stalledAt).map(lineTime)[0];
    const gaps: number[] = [];
    for (const i of pShards) {
      const stopped = await until(`p stops acting on shard ${i}`, () => at(p, "stopped leading", i));
      const taken = await until(`q takes shard ${i}`, () => at(q, "became leader", i));
      expect(stopped).toBeLessThan(taken); // never two owners at once
      gaps.push(taken - stopped);
    }
    expect(p.lines.some((l) => l.msg === "lease not renewed within the renew deadline")).toBe(true);

    // Back on the network, p rejoins and gets its share again.
    proxy.restore();
    await balancedOver([p, q], 90_000, group);
    process.stderr.write(
      `[sharding-partition] p stopped ${Math.min(...gaps)}–${Math.max(...gaps)} ms before q took its shards\n`,
    );
  }, 300_000);

  it("a replica without sharding (an older version mid-upgrade) keeps the sharded ones off its cluster", async () => {
    const group = "shard-upgrade";
    const old = startReplica("replica-old", inject("kubeconfig"), group, { DRIFT_SHARDING: "off" });
    await until("the old replica leads the cluster", () => old.lines.some((l) => l.msg === "became leader"), 60_000);
    const fresh = startReplica("replica-new", inject("kubeconfig"), group);
    await until("the new replica sees it", () =>
      fresh.lines.some(
        (l) => l.msg === "a replica without sharding leads this cluster: its shards wait until it stops",
      ),
    );
    // Assigned every shard, it acquires none while the old one leads.
    await until("the new replica assigned its shards", () => fresh.lines.some((l) => l.msg === "shards assigned"));
    await new Promise((r) => setTimeout(r, LEASE_MS / 2));
    expect(holders(group).size).toBe(0);
    expect(fresh.lines.filter((l) => l.msg === "became leader")).toHaveLength(0);

    old.kill("SIGTERM"); // the rollout ends the old pod: it hands the cluster's Lease back
    expect((await old.exited).code).toBe(0);
    const taken = await balancedOver([fresh], 60_000, group);
    expect(taken.size).toBe(SHARDS);
  }, 240_000);
});

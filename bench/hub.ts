// Hub benchmark: 100 spaces × 200 units × 20 revisions on each store. Measures listing a space's units with a where
// filter (p50/p99), fetching unit data (p50, in process and over HTTP) and upgrading 200 units from their upstream.
// Run: npm run bench:hub   (BENCH_STORES=pglite or postgres to run one; DATABASE_URL to use an existing server)
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { ConfigHubClient } from "../src/hub/confighub/client.js";
import { startHubServer } from "../src/hub/http/serve.js";
import { Hub } from "../src/hub/hub.js";
import type { Database, StoreKind } from "../src/store/database.js";
import { openStore } from "../src/store/open.js";
import { startPostgres } from "../test/setup/postgres.js";
import { percentile } from "./percentile.js";

const SPACES = Number(process.env.BENCH_SPACES ?? 100);
const UNITS = Number(process.env.BENCH_UNITS ?? 200);
const REVISIONS = Number(process.env.BENCH_REVISIONS ?? 20);
const TIERS = ["web", "backend", "db", "cache"];

// Revision r of a unit: image tag 1.0.r; the downstream space s001 carries its own replicas and env, and was last
// merged from upstream revision 10, so its upgrade is a real three-way merge of ten upstream revisions.
const DATA_SQL = (unitExpr: string, revExpr: string, downExpr: string) => `format(
'apiVersion: apps/v1
kind: Deployment
metadata:
  name: %1$s
  labels:
    app: %1$s
spec:
  replicas: %3$s
  selector:
    matchLabels:
      app: %1$s
  template:
    metadata:
      labels:
        app: %1$s
    spec:
      containers:
        - name: %1$s
          image: ghcr.io/example/%1$s:1.0.%2$s
          env:
            - name: LOG_LEVEL
              value: %4$s
          ports:
            - name: http
              containerPort: 8080
', ${unitExpr}, case when ${downExpr} then least(${revExpr}, 10) else ${revExpr} end,
   case when ${downExpr} then 3 else 1 end, case when ${downExpr} then 'debug' else 'info' end)`;

async function seed(db: Database): Promise<void> {
  const now = new Date().toISOString();
  await db.query(
    `insert into hub_space (space_id, slug, display_name, labels, created_at, updated_at)
     select gen_random_uuid(), format('s%s', lpad(i::text, 3, '0')), format('space %s', i),
            jsonb_build_object('env', case when i % 2 = 0 then 'qa' else 'prod' end), $1, $1
     from generate_series(0, ${SPACES - 1}) i`,
    [now],
  );
  await db.query(
    `insert into hub_unit (unit_id, space_id, slug, display_name, toolchain_type, labels, data_hash, data_size,
       head_revision_num, created_at, updated_at)
     select gen_random_uuid(), s.space_id, format('unit-%s', lpad(j::text, 3, '0')), format('unit %s', j), 'Kubernetes/YAML',
            jsonb_build_object('tier', (array['${TIERS.join("','")}'])[1 + j % ${TIERS.length}]), '', 0, ${REVISIONS}, $1, $1
     from hub_space s, generate_series(0, ${UNITS - 1}) j`,
    [now],
  );
  // s001's units are downstream of s000's.
  await db.query(
    `update hub_unit d set upstream_unit_id = u.unit_id, upstream_space_id = u.space_id, upstream_revision_num = 10
     from hub_unit u join hub_space us on us.space_id = u.space_id and us.slug = 's000', hub_space ds
     where ds.space_id = d.space_id and ds.slug = 's001' and d.slug = u.slug`,
  );
  // Revisions space by space, so that no single statement holds the whole data set.
  const spaces = await db.query<{ space_id: string; slug: string }>(
    "select space_id, slug from hub_space order by slug",
  );
  for (const s of spaces) {
    const down = s.slug === "s001" ? "true" : "false";
    await db.query(
      `insert into hub_revision (revision_id, unit_id, space_id, revision_num, description, data, data_hash, data_size,
         upstream_revision_num, created_at)
       select gen_random_uuid(), unit_id, space_id, r, format('revision %s', r), d, encode(sha256(convert_to(d, 'UTF8')), 'hex'),
              octet_length(d), case when ${down} then least(r, 10) else 0 end, $2
       from (select u.unit_id, u.space_id, r, ${DATA_SQL("u.slug", "r", down)} as d
             from hub_unit u, generate_series(1, ${REVISIONS}) r where u.space_id = $1) x`,
      [s.space_id, now],
    );
  }
  await db.query(
    `update hub_unit u set data_hash = r.data_hash, data_size = r.data_size, last_change_description = r.description
     from hub_revision r where r.unit_id = u.unit_id and r.revision_num = u.head_revision_num`,
  );
  await db.exec("analyze");
}

async function timeEach(n: number, fn: (i: number) => Promise<unknown>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn(i);
    out.push(performance.now() - t);
  }
  return out;
}

const ms = (v: number) => `${v.toFixed(2)} ms`;
const space = (i: number) => `s${String(2 + (i % (SPACES - 2))).padStart(3, "0")}`;
const unit = (i: number) => `unit-${String((i * 37) % UNITS).padStart(3, "0")}`;

async function benchStore(kind: StoreKind, db: Database): Promise<Record<string, string>> {
  let t = performance.now();
  await seed(db);
  const seedMs = performance.now() - t;
  const counts = (await db.query<{ n: number }>("select count(*)::int as n from hub_revision"))[0].n;
  const hub = new Hub(db);
  await hub.listUnits({ space: "s002", where: "Labels.tier = 'backend'" }); // warm
  if (process.env.BENCH_EXPLAIN) {
    const log = db.query.bind(db);
    (db as { query: Database["query"] }).query = async <R>(sql: string, params?: readonly unknown[]) => {
      if (sql.includes("from hub_unit u join")) {
        const plan = await log<Record<string, string>>(`explain analyze ${sql}`, params);
        console.log(plan.map((r) => Object.values(r)[0]).join("\n"));
      }
      return log<R>(sql, params);
    };
    await hub.listUnits({ space: "s002", where: "Labels.tier = 'backend' AND HeadRevisionNum > 5" });
    await hub.listUnits({ space: "s001", where: "UpstreamRevisionNum < UpstreamUnit.HeadRevisionNum" });
    (db as { query: Database["query"] }).query = log;
  }

  const listSimple = await timeEach(200, (i) =>
    hub.listUnits({ space: space(i), where: "Labels.tier = 'backend' AND HeadRevisionNum > 5" }),
  );
  const listRelation = await timeEach(100, () =>
    hub.listUnits({ space: "s001", where: "UpstreamRevisionNum < UpstreamUnit.HeadRevisionNum" }),
  );
  const data = await timeEach(500, (i) => hub.getUnitData(space(i), unit(i)));

  const server = await startHubServer({ db, listen: "127.0.0.1:0", token: "bench" });
  const client = new ConfigHubClient({ url: server.url, token: "bench" });
  const ids = await hub.allUnits("s003");
  const sid = ids[0].Unit.SpaceID;
  const httpData = await timeEach(300, (i) => client.fetchUnitData(sid, ids[i % ids.length].Unit.UnitID));
  const httpList = await timeEach(100, () => client.listUnits(sid, "Labels.tier = 'backend'"));
  await server.close();

  t = performance.now();
  const results = await hub.bulkUpgrade(undefined, "s001");
  const upgradeMs = performance.now() - t;
  const failed = results.filter((r) => r.error).length;
  const merged = (await hub.getUnitData("s001", "unit-000")).data;
  if (!merged.includes(":1.0.20") || !merged.includes("replicas: 3") || !merged.includes("value: debug") || failed) {
    throw new Error(`upgrade produced a wrong result (${failed} failed)`);
  }

  return {
    store: kind,
    revisions: String(counts),
    seed: `${(seedMs / 1000).toFixed(1)} s`,
    "list where (tier+rev) p50": ms(percentile(listSimple, 50)),
    "list where (tier+rev) p99": ms(percentile(listSimple, 99)),
    "list where (upstream rel) p50": ms(percentile(listRelation, 50)),
    "list where (upstream rel) p99": ms(percentile(listRelation, 99)),
    "data fetch p50": ms(percentile(data, 50)),
    "data fetch p99": ms(percentile(data, 99)),
    "HTTP data fetch p50": ms(percentile(httpData, 50)),
    "HTTP list where p50": ms(percentile(httpList, 50)),
    "upgrade 200 units": `${upgradeMs.toFixed(0)} ms (${(upgradeMs / results.length).toFixed(1)} ms/unit)`,
  };
}

async function main(): Promise<void> {
  const kinds = (process.env.BENCH_STORES ?? "pglite,postgres").split(",") as StoreKind[];
  const rows: Array<Record<string, string>> = [];
  for (const kind of kinds) {
    if (kind === "pglite") {
      const dir = mkdtempSync(join(tmpdir(), "bench-hub-"));
      const db = await openStore({ dataDir: dir, databaseUrl: "" });
      try {
        rows.push(await benchStore(kind, db));
      } finally {
        await db.close();
        rmSync(dir, { recursive: true, force: true });
      }
    } else {
      const server = process.env.DATABASE_URL ? undefined : await startPostgres();
      const base = process.env.DATABASE_URL || (server?.url as string);
      const name = `bench_hub_${Date.now()}`;
      const admin = new pg.Client({ connectionString: base });
      await admin.connect();
      await admin.query(`create database ${name}`);
      const url = new URL(base);
      url.pathname = `/${name}`;
      const db = await openStore({ databaseUrl: url.toString() });
      try {
        rows.push(await benchStore(kind, db));
      } finally {
        await db.close();
        await admin.query(`drop database ${name}`);
        await admin.end();
        await server?.stop();
      }
    }
    process.stdout.write(`${JSON.stringify(rows.at(-1))}\n`);
  }
  console.table(rows);
}

await main();

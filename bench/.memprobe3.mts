import { mkdtempSync } from "node:fs";
import { PGlite } from "@electric-sql/pglite";
const mb = (b: number) => Math.round(b / 1048576);
const show = (label: string) => {
  (globalThis as { gc?: () => void }).gc?.();
  const m = process.memoryUsage();
  console.log(label.padEnd(20), { rss: mb(m.rss), heap: mb(m.heapUsed), external: mb(m.external), ab: mb(m.arrayBuffers) });
};
show("bare+pglite module");
const variant = process.argv[2];
const opts: Record<string, unknown> = { dataDir: process.argv[3] ?? mkdtempSync("/tmp/mp3-") };
if (variant === "small") {
  opts.initialMemory = 32 * 1024 * 1024;
}
if (variant === "small2") {
  const { PGlite: P } = await import("@electric-sql/pglite");
  opts.startParams = ["--single","-F","-O","-j","-c","search_path=public","-c","exit_on_error=false","-c","log_checkpoints=false","-c","max_worker_processes=0","-c","max_parallel_workers=0","-c","max_parallel_workers_per_gather=0","-c","io_method=sync","-c","max_parallel_maintenance_workers=0","-c","shared_buffers=16MB","-c","wal_buffers=1MB","-c","work_mem=1MB"];
}
const db = await PGlite.create(opts);
show(`created ${variant}`);
await db.exec("create table if not exists t (id int primary key, v jsonb)");
for (let i = 0; i < 2000; i++) await db.query("insert into t values ($1, $2) on conflict (id) do update set v = excluded.v", [i, JSON.stringify({ a: "x".repeat(500), i })]);
show("2000 rows");
for (let i = 0; i < 50; i++) await db.query("select count(*) from t");
show("after selects");
console.log((await db.query("show shared_buffers")).rows);
await db.close();

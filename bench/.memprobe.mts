const mb = (b: number) => Math.round(b / 1048576);
const show = (label: string) => {
  (globalThis as { gc?: () => void }).gc?.();
  const m = process.memoryUsage();
  console.log(label, { rss: mb(m.rss), heap: mb(m.heapUsed), heapTotal: mb(m.heapTotal), external: mb(m.external), ab: mb(m.arrayBuffers) });
};
show("bare");
await import("/work/main/src/detector/service.ts");
show("service modules");
const { openStore } = await import("/work/main/src/store/open.ts");
const { mkdtempSync } = await import("node:fs");
const db = await openStore({ dataDir: process.argv[2] ?? mkdtempSync("/tmp/memprobe-"), databaseUrl: "" });
show("pglite open+migrated");
for (let i = 0; i < 200; i++) await db.query("select 1");
show("pglite queried");
await db.close();
show("pglite closed");

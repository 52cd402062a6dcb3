const mb = (b: number) => Math.round(b / 1048576);
const show = (label: string) => {
  (globalThis as { gc?: () => void }).gc?.();
  const m = process.memoryUsage();
  console.log(label.padEnd(28), { rss: mb(m.rss), heap: mb(m.heapUsed), external: mb(m.external) });
};
show("bare");
for (const m of process.argv.slice(2)) {
  await import(m);
  show(m);
}

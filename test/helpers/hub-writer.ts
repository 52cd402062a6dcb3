// Child process for the crash test: writes revisions as fast as it can and prints each one the hub acknowledged.
import { Hub } from "../../src/hub/hub.js";
import { openStore } from "../../src/store/open.js";

const [where] = process.argv.slice(2);
const db = await openStore(where.startsWith("postgres") ? { databaseUrl: where } : { dataDir: where, databaseUrl: "" });
const hub = new Hub(db);
await hub.createSpace({ Slug: "crash" });
await hub.createUnit("crash", {
  Slug: "cm",
  Data: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\ndata:\n  n: '0'\n",
});
process.stdout.write("ready\n");
for (let n = 1; ; n++) {
  await hub.putUnitData("crash", "cm", `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\ndata:\n  n: '${n}'\n`);
  await hub.createUnit("crash", { Slug: `u${n}` });
  process.stdout.write(`ack ${n}\n`);
}

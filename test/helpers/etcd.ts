// The sandbox's etcd from a test: compacting its history, so that a watch resumed from an older resourceVersion
// is answered 410 Gone (with the apiserver's watch cache off, watches are served by etcd).
import { readFileSync } from "node:fs";
import { sandboxLayout } from "../../src/sandbox/layout.js";

/** Compacts the sandbox's etcd at its current revision (etcd's HTTP gateway to the KV API); returns the revision. */
export async function compactEtcd(dir: string): Promise<number> {
  const state = JSON.parse(readFileSync(sandboxLayout(dir).stateFile, "utf8")) as { ports: { etcd: number } };
  const base = `http://127.0.0.1:${state.ports.etcd}/v3/kv`;
  const post = async (path: string, body: unknown) => {
    const res = await fetch(`${base}/${path}`, { method: "POST", body: JSON.stringify(body) });
    if (!res.ok) throw new Error(`etcd ${path}: HTTP ${res.status} ${await res.text()}`);
    return (await res.json()) as { header: { revision: string } };
  };
  const { header } = await post("range", { key: Buffer.from("/registry").toString("base64"), limit: 1 });
  await post("compaction", { revision: header.revision, physical: true });
  return Number(header.revision);
}

// A shard is the unit of work one replica owns: one watched cluster and one desired source on it — a hub space
// (`hub:SPACE`, `confighub:SPACE`), a directory, or a namespace set of a directory (`DIR#ns1+ns2`) — so that one cluster with many spaces spreads over replicas, and
// a fleet of clusters spreads too.
import { createHash } from "node:crypto";
import { normalize } from "node:path";
import type { ObjectRef, SourceInfo } from "../drift/types.js";
import { inNamespaces, splitNamespaces } from "./namespaces.js";

export interface Shard {
  /** `CONTEXT=SOURCE`, the same on every replica (the assignment hashes it). */
  key: string;
  cluster: string;
  source: string;
}

export function shardOf(cluster: string, source: string): Shard {
  return { key: `${cluster}=${source}`, cluster, source };
}

/** The shard's fencing Lease: the base name and a hash of the key (a key is no DNS name), at most 63 characters. */
export function shardLeaseName(base: string, key: string): string {
  const hash = createHash("sha256").update(key).digest("hex").slice(0, 12);
  return `${base.slice(0, 63 - 7 - hash.length)}-shard-${hash}`;
}

/**
 * Whether a drift record found through `source` belongs to it: several shards of one cluster each load and resolve
 * only their own open records (a shard resolves the records of objects its source no longer declares).
 */
export function sourceScope(source: string): (record: { source: SourceInfo; ref: ObjectRef }) => boolean {
  const { base, namespaces } = splitNamespaces(source);
  const fromSource = baseScope(base);
  if (!namespaces) return fromSource;
  return (record) => fromSource(record) && inNamespaces(namespaces, record.ref.namespace);
}

function baseScope(source: string): (record: { source: SourceInfo }) => boolean {
  const hub = /^(hub|confighub):(.+)$/i.exec(source.trim());
  if (hub) {
    const type = hub[1]!.toLowerCase();
    const space = hub[2]!;
    return ({ source: info }) => info.type !== "file" && info.type === type && info.space === space;
  }
  const dir = normalize(source.trim()).replace(/\/+$/, "");
  return ({ source: info }) => {
    if (info.type !== "file") return false;
    const path = normalize(info.path);
    return path === dir || path.startsWith(`${dir}/`);
  };
}

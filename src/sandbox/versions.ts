import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { SandboxError } from "./errors.js";

/** The control-plane versions pinned by testenv/'s Go modules; they key the binary cache. */
export interface PinnedVersions {
  kubernetes: string;
  etcd: string;
}

/** The version a go.mod requires for `modulePath` (a `require` line, single or in a block), or undefined. */
export function requiredVersion(goMod: string, modulePath: string): string | undefined {
  const escaped = modulePath.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
  const match = goMod.match(new RegExp(`^\\s*(?:require\\s+)?${escaped}\\s+(v[^\\s]+)`, "m"));
  return match?.[1];
}

export async function readPinnedVersions(testenvDir: string): Promise<PinnedVersions> {
  const [k8sMod, etcdMod] = await Promise.all([
    readFile(join(testenvDir, "k8s", "go.mod"), "utf8"),
    readFile(join(testenvDir, "etcd", "go.mod"), "utf8"),
  ]);
  const kubernetes = requiredVersion(k8sMod, "k8s.io/kubernetes");
  const etcd = requiredVersion(etcdMod, "go.etcd.io/etcd/server/v3");
  if (!kubernetes) throw new SandboxError(`${testenvDir}/k8s/go.mod does not require k8s.io/kubernetes`);
  if (!etcd) throw new SandboxError(`${testenvDir}/etcd/go.mod does not require go.etcd.io/etcd/server/v3`);
  return { kubernetes, etcd };
}

/** The cache folder name for a pinned set, e.g. `k8s-v1.34.4_etcd-v3.6.4`. */
export function cacheKey(v: PinnedVersions): string {
  return `k8s-${v.kubernetes}_etcd-${v.etcd}`;
}

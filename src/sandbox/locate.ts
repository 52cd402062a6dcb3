import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { userCacheDir } from "../lib/cache-dir.js";
import { SandboxError } from "./errors.js";

/** testenv/ of this checkout, found by walking up from this file (works from src/ under tsx and from dist/). */
export function findTestenvDir(from = dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, "testenv");
    if (existsSync(join(candidate, "k8s", "go.mod"))) return candidate;
    if (dirname(dir) === dir) throw new SandboxError(`no testenv/k8s/go.mod found above ${from}`);
  }
}

/** Where built control planes live: outside the checkout, so every clone on the machine shares them. */
export function controlPlaneCacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  return join(userCacheDir(env), "controlplane");
}

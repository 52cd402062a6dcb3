#!/usr/bin/env node
// The installed command runs the compiled JavaScript in dist/ (built by `npm ci` through the `prepare` script, and
// by the Dockerfile): no compiler at start-up. When a source file is newer than the build (a developer's edit), the
// TypeScript sources run instead through tsx, so nobody ever runs stale code.
import { existsSync, readdirSync, statSync } from "node:fs";
import { enableCompileCache } from "node:module";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

// An older Node fails deep inside a dependency (undici needs 22.19+): say so in one line instead.
const major = Number(process.versions.node.split(".")[0]);
if (major < 24) {
  process.stderr.write(
    `drift-detector needs Node.js 24 or newer (package.json "engines"); this is ${process.version}\n`,
  );
  process.exit(1);
}

// The service runs with the V8 flags of the container's ENTRYPOINT (see the Dockerfile; a test keeps the two the
// same): without them `drift-detector run` holds ~100 MB more. Node takes them only at start, so the process
// replaces itself with one started with them (same PID, same stdio); where it cannot (Windows), it runs without.
const SERVICE_NODE_FLAGS = ["--liftoff-only", "--max-semi-space-size=2", "--expose-gc"];
const command = process.argv.slice(2).find((a) => !a.startsWith("-"));
if (
  command === "run" &&
  typeof process.execve === "function" &&
  !SERVICE_NODE_FLAGS.every((f) => process.execArgv.includes(f))
) {
  const flags = SERVICE_NODE_FLAGS.filter((f) => !process.execArgv.includes(f));
  try {
    process.execve(process.execPath, [process.execPath, ...flags, ...process.execArgv, ...process.argv.slice(1)]);
  } catch {
    // not replaceable here (a sandboxed runtime): the service runs, only larger
  }
}

// Compiling the modules (ours and @kubernetes/client-node's hundreds) was most of a short command's start-up: keep
// V8's code cache in the user's cache directory (keyed by Node version and file content; safe to delete).
const cacheBase =
  process.env.DRIFT_DETECTOR_CACHE || join(process.env.XDG_CACHE_HOME || join(homedir(), ".cache"), "drift-detector");
enableCompileCache(join(cacheBase, "compile-cache"));

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const built = join(root, "dist", "cli", "main.js");

function buildIsFresh() {
  if (!existsSync(built)) return false;
  const builtAt = statSync(built).mtimeMs;
  const src = join(root, "src");
  for (const entry of readdirSync(src, { recursive: true, withFileTypes: true })) {
    if (entry.isFile() && statSync(join(entry.parentPath, entry.name)).mtimeMs > builtAt) return false;
  }
  return true;
}

if (buildIsFresh()) {
  await import(built);
} else {
  const { register } = await import("tsx/esm/api");
  register();
  await import("../src/cli/main.ts");
}

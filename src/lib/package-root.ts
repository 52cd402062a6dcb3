// Files shipped beside the code (the migrations, the dashboard's static files) are found from the package root,
// never from a module's own location: the build bundles modules into shared chunks (scripts/build.ts), so a
// module's import.meta.url says little about where its source file sat.
import { existsSync } from "node:fs";
import { dirname, join, sep } from "node:path";
import { fileURLToPath } from "node:url";

function findRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, "package.json"))) return dir;
    if (dirname(dir) === dir) throw new Error(`no package.json above ${from}`);
  }
}

const here = dirname(fileURLToPath(import.meta.url));

/** The checkout (or the container's /app): where package.json, bin/, deploy/ and examples/ are. */
export const PACKAGE_ROOT = findRoot(here);

/** Running the build in dist/ (else the TypeScript sources in src/, through tsx or vitest). */
const BUILT = here.startsWith(join(PACKAGE_ROOT, "dist") + sep) || here === join(PACKAGE_ROOT, "dist");

/** A path under src/ as the running code sees it: the same path under dist/ when running the build. */
export function shippedPath(pathInSrc: string): string {
  return join(PACKAGE_ROOT, BUILT ? "dist" : "src", pathInSrc);
}

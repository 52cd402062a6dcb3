#!/usr/bin/env node
// Runs the TypeScript sources directly (tsx), so `npx drift-detector` needs no build step.
// The container runs the compiled dist/ instead (see Dockerfile).

// An older Node fails deep inside a dependency (undici needs 22.19+): say so in one line instead.
const major = Number(process.versions.node.split(".")[0]);
if (major < 24) {
  process.stderr.write(
    `drift-detector needs Node.js 24 or newer (package.json "engines"); this is ${process.version}\n`,
  );
  process.exit(1);
}

const { register } = await import("tsx/esm/api");
register();
await import("../src/cli/main.ts");

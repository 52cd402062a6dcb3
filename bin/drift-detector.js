#!/usr/bin/env node
// Runs the TypeScript sources directly (tsx), so `npx drift-detector` needs no build step.
// The container runs the compiled dist/ instead (see Dockerfile).
import { register } from "tsx/esm/api";

register();
await import("../src/cli/main.ts");

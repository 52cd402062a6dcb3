// Loads objects captured from the sandbox (test/fixtures-capture/capture.ts) and runs the engine on them.
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { type CompareInput, compareObject, type EngineOptions } from "../../../src/drift/engine.js";
import type { ComparisonMode, KubeObject, ResourceResult } from "../../../src/drift/types.js";

const dir = join(dirname(fileURLToPath(import.meta.url)), "fixtures");

export interface Fixture {
  desired: KubeObject;
  live: KubeObject;
  serverApplied: KubeObject | null;
  serverDefaulted: KubeObject;
}

export function loadFixture(name: string): Fixture {
  return JSON.parse(readFileSync(join(dir, `${name}.json`), "utf8")) as Fixture;
}

export function fixtureNames(group: string): string[] {
  return readdirSync(join(dir, group))
    .filter((f) => f.endsWith(".json"))
    .map((f) => `${group}/${f.slice(0, -5)}`);
}

export function run(
  fx: Fixture,
  mode: ComparisonMode,
  options: Omit<EngineOptions, "mode"> = {},
  context: CompareInput["context"] = { hpas: [] },
): ResourceResult {
  const o = fx.desired;
  return compareObject(
    {
      desired: {
        ref: { apiVersion: o.apiVersion, kind: o.kind, namespace: o.metadata.namespace, name: o.metadata.name },
        object: o,
        source: { type: "file", path: "manifests.yaml" },
      },
      live: fx.live,
      serverApplied: mode === "server" ? (fx.serverApplied ?? undefined) : undefined,
      serverDefaulted: mode === "server" ? fx.serverDefaulted : undefined,
      context,
    },
    { ...options, mode },
  );
}

export const MODES: ComparisonMode[] = ["client", "server"];

export function clone<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}

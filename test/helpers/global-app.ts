import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** The global-app units (test/fixtures/global-app): slug → YAML. */
export const GLOBAL_APP_UNITS = ["frontend", "backend", "postgres", "ollama"] as const;

export function globalAppData(unit: (typeof GLOBAL_APP_UNITS)[number]): string {
  return readFileSync(fileURLToPath(new URL(`../fixtures/global-app/${unit}.yaml`, import.meta.url)), "utf8");
}

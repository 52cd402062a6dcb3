// The global engine configuration (`check --config FILE`, the service's DRIFT_CONFIG): ignore rules, imperative
// managers and severity rules, in the engine's own shapes. Pure: parsing and validation only; the file is read by
// src/detection/engine-config-file.ts. Format documented in docs/ignore-rules.md.

import * as z from "zod/mini";
import { ExpectedError } from "../lib/errors.js";
import { IgnoreConfigSchema } from "./ignore.js";
import { SeverityRuleSchema } from "./severity.js";
import type { EngineOptions } from "./types.js";
import "./zod-messages.js";

export const EngineConfigSchema = z.strictObject({
  /** Global ignore rules (IgnoreRule). */
  ignore: z.optional(IgnoreConfigSchema),
  /** Replaces the default imperative managers (`kubectl*`, `!kubectl-client-side-apply`): globs, `!` excludes. */
  imperativeManagers: z.optional(z.array(z.string().check(z.minLength(1))).check(z.minLength(1))),
  /** Tried before the default severity rules; the first match wins. */
  severity: z.optional(z.array(z.strictObject(SeverityRuleSchema.shape))),
});

/** The engine settings a configuration file sets (what `detect` takes besides the mode). */
export type EngineConfig = Pick<EngineOptions, "ignoreRules" | "imperativeManagers" | "severityRules">;

export class EngineConfigError extends ExpectedError {
  override readonly name = "EngineConfigError";
}

/** Validates a parsed document; throws one EngineConfigError naming `origin`, the place in it and what is allowed. */
export function parseEngineConfig(input: unknown, origin = "engine configuration"): EngineConfig {
  // An empty file is an empty configuration (a mounted ConfigMap with nothing in it yet).
  const r = EngineConfigSchema.safeParse(input ?? {});
  if (!r.success) {
    const messages = r.error.issues.slice(0, 3).map((issue) => {
      const where = issue.path.length > 0 ? `at ${issue.path.join(".")}: ` : "";
      return `${where}${issue.message}${allowedKeys(issue)}`;
    });
    const more = r.error.issues.length > 3 ? ` (and ${r.error.issues.length - 3} more)` : "";
    throw new EngineConfigError(`${origin}: ${messages.join("; ")}${more}`);
  }
  const { ignore, imperativeManagers, severity } = r.data;
  return {
    ...(ignore && ignore.length > 0 ? { ignoreRules: ignore } : {}),
    ...(imperativeManagers ? { imperativeManagers } : {}),
    ...(severity && severity.length > 0 ? { severityRules: severity } : {}),
  };
}

// For a misspelt key, the keys that would have been accepted there.
function allowedKeys(issue: z.core.$ZodIssue): string {
  if (issue.code !== "unrecognized_keys") return "";
  const [section] = issue.path;
  const keys =
    issue.path.length === 0
      ? Object.keys(EngineConfigSchema.shape)
      : section === "ignore"
        ? Object.keys(IgnoreConfigSchema.def.element.shape)
        : section === "severity"
          ? Object.keys(SeverityRuleSchema.shape)
          : [];
  return keys.length > 0 ? ` (allowed: ${keys.join(", ")})` : "";
}

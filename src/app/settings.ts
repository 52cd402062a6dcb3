// Settings for a DevOps app: each one an environment variable and a command-line flag, validated with zod at start.
// A bad value stops the start with one line naming the variable, the value and what is allowed.

import { z } from "zod";
import { parseDuration } from "../lib/duration.js";
import { ExpectedError } from "../lib/errors.js";

export interface SettingSpec<T> {
  /** Environment variable, e.g. DRIFT_INTERVAL; the flag is derived from it unless given. */
  env: string;
  /** Other environment variables accepted for the same setting (first one set wins after `env`). */
  aliases?: string[];
  /** Flag name without dashes, e.g. "interval". */
  flag: string;
  description: string;
  /** Human description of the allowed values, used in the one-line error. */
  allowed: string;
  /** Default as text (parsed like a given value); absent means "unset" (undefined) unless required. */
  default?: string;
  required?: boolean;
  /** Never print the value (errors say "(hidden)"). */
  secret?: boolean;
  schema: z.ZodType<T>;
}

export type SettingsSpec = Record<string, SettingSpec<unknown>>;
export type SettingsOf<S extends SettingsSpec> = {
  [K in keyof S]: S[K] extends SettingSpec<infer T> ? T : never;
};

export class SettingsError extends ExpectedError {
  override readonly name: string = "SettingsError";
}

export interface SettingsInput {
  env: NodeJS.ProcessEnv;
  /** Flag values by flag name (commander's camelCase keys are accepted too). */
  flags?: Record<string, unknown>;
}

function camel(flag: string): string {
  return flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

/** Reads every setting from flags (first) or the environment, validates it, and returns the typed settings. */
export function loadSettings<S extends SettingsSpec>(spec: S, input: SettingsInput): SettingsOf<S> {
  const out: Record<string, unknown> = {};
  for (const [key, s] of Object.entries(spec)) {
    const flagValue = input.flags?.[s.flag] ?? input.flags?.[camel(s.flag)];
    let origin = `--${s.flag}`;
    let raw: unknown = flagValue;
    if (raw === undefined) {
      for (const name of [s.env, ...(s.aliases ?? [])]) {
        const v = input.env[name];
        if (v !== undefined && v !== "") {
          raw = v;
          origin = name;
          break;
        }
      }
    }
    if (raw === undefined) {
      origin = s.env;
      raw = s.default;
    }
    if (raw === undefined) {
      if (s.required) throw new SettingsError(`${s.env} is required: ${s.allowed} (${s.description})`);
      out[key] = undefined;
      continue;
    }
    const result = s.schema.safeParse(raw);
    if (!result.success) {
      const shown = s.secret ? "(hidden)" : JSON.stringify(Array.isArray(raw) ? raw.join(",") : raw);
      const name = origin.startsWith("--") ? `${origin} (${s.env})` : origin;
      throw new SettingsError(`${name}=${shown} is not allowed: expected ${s.allowed}`);
    }
    out[key] = result.data;
  }
  return out as SettingsOf<S>;
}

// Reusable schemas for settings given as text.

export const durationSchema = z
  .string()
  .transform((v, ctx) => {
    const ms = parseDuration(v);
    if (ms === undefined || ms <= 0) {
      ctx.addIssue({ code: "custom", message: "not a duration" });
      return z.NEVER;
    }
    return ms;
  })
  .or(z.number().positive());

export const booleanSchema = z.union([z.boolean(), z.string()]).transform((v, ctx) => {
  if (typeof v === "boolean") return v;
  const t = v.trim().toLowerCase();
  if (["true", "1", "yes", "on"].includes(t)) return true;
  if (["false", "0", "no", "off"].includes(t)) return false;
  ctx.addIssue({ code: "custom", message: "not a boolean" });
  return z.NEVER;
});

export const positiveIntSchema = z.coerce.number().int().positive();

export function enumSchema<const T extends readonly [string, ...string[]]>(values: T) {
  return z.enum(values);
}

export const urlSchema = z.string().url();

/** "host:port", "[::1]:port" or ":port". */
export const listenSchema = z.string().transform((v, ctx) => {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(v.trim());
  const port = m ? Number(m[3]) : Number.NaN;
  if (!m || port > 65535) {
    ctx.addIssue({ code: "custom", message: "not host:port" });
    return z.NEVER;
  }
  return { host: m[1] ?? (m[2] || "0.0.0.0"), port };
});

/** Comma-separated or repeated-flag lists. */
export const listSchema = z
  .union([z.string(), z.array(z.string())])
  .transform((v) => (Array.isArray(v) ? v : v.split(",")).map((s) => s.trim()).filter(Boolean));

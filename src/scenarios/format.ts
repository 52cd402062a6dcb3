// The scenario file format (../shared/scenarios/README.md, our additions in docs/scenarios.md), validated with zod
// so a broken scenario file fails with one line naming the file and the field.
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { parse } from "yaml";
import { z } from "zod";

const changeExpectation = z
  .object({
    path: z.string().startsWith("/").optional(),
    pathPrefix: z.string().startsWith("/").optional(),
    type: z.enum(["changed", "added", "removed"]).optional(),
    desired: z.unknown().optional(),
    live: z.unknown().optional(),
    by: z.string().optional(),
  })
  .strict()
  .refine((c) => (c.path === undefined) !== (c.pathPrefix === undefined), "give exactly one of path and pathPrefix");

const expectation = z
  .object({
    ref: z.string().regex(/^[A-Za-z0-9]+\/[^/\s]+$/, "ref is KIND/NAME"),
    status: z.enum(["InSync", "Drifted", "Missing"]),
    changes: z.array(changeExpectation).optional(),
    ignored: z.array(z.string().startsWith("/")).optional(),
    masked: z.array(z.string().min(1)).optional(),
    severity: z.enum(["critical", "high", "medium", "low"]).optional(),
  })
  .strict();

const step = z
  .object({
    kubectl: z.string().min(1).optional(),
    stdin: z.string().optional(),
    /** Extra environment for this step's kubectl, e.g. KUBE_EDITOR for a non-interactive `kubectl edit`. */
    env: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]).transform(String)).optional(),
    /** Seconds to wait after the step (or instead of one): lets a controller act. */
    sleep: z.number().positive().max(120).optional(),
  })
  .strict()
  .refine((s) => s.kubectl !== undefined || s.sleep !== undefined, "a step needs kubectl or sleep");

const scenarioSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, "name is lowercase letters, digits and dashes"),
    about: z.string().optional(),
    appliedBy: z.string().min(1).default("confighub"),
    modes: z
      .array(z.enum(["server", "client"]))
      .min(1)
      .default(["server", "client"]),
    desired: z.string(),
    steps: z
      .array(step)
      .nullish()
      .transform((s) => s ?? []),
    expect: z
      .array(expectation)
      .nullish()
      .transform((e) => e ?? []),
  })
  .strict();

export type Scenario = z.infer<typeof scenarioSchema> & { file: string };
export type Expectation = z.infer<typeof expectation>;
export type ChangeExpectation = z.infer<typeof changeExpectation>;
export type Step = z.infer<typeof step>;

/** A scenario file that could not be read or is not a valid scenario: it counts as a failure. */
export interface BrokenScenario {
  file: string;
  name: string;
  error: string;
}

export function parseScenario(text: string, file: string): Scenario | BrokenScenario {
  const fallbackName = file.replace(/^.*\//, "").replace(/\.ya?ml$/, "");
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (err) {
    const message = ((err as Error).message.split("\n")[0] ?? "").replace(/:$/, "");
    return { file, name: fallbackName, error: `invalid YAML: ${message}` };
  }
  const parsed = scenarioSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const where = issue.path.length ? `${issue.path.join(".")}: ` : "";
    const name = (raw as { name?: unknown } | null)?.name;
    return { file, name: typeof name === "string" ? name : fallbackName, error: `${where}${issue.message}` };
  }
  return { ...parsed.data, file };
}

/** Every `*.yaml` / `*.yml` directly in `dir` (README.md and others are not scenarios), sorted by file name. */
export async function loadScenarios(dir: string): Promise<Array<Scenario | BrokenScenario>> {
  const names = (await readdir(dir)).filter((n) => /\.ya?ml$/.test(n)).sort();
  const out: Array<Scenario | BrokenScenario> = [];
  for (const n of names) out.push(parseScenario(await readFile(join(dir, n), "utf8"), join(dir, n)));
  const seen = new Map<string, string>();
  return out.map((s) => {
    const first = seen.get(s.name);
    if (first) return { file: s.file, name: s.name, error: `name ${s.name} is also used by ${first}` };
    seen.set(s.name, s.file);
    return s;
  });
}

export function isBroken(s: Scenario | BrokenScenario): s is BrokenScenario {
  return "error" in s;
}

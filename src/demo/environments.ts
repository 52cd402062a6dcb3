import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { parse } from "yaml";
import { z } from "zod";

// examples/global-app/environments.yaml: which units make up the app and how each environment differs from its
// upstream. Read by the demo and examples/global-app/load.ts.

const Slug = z.string().regex(/^[A-Za-z0-9]([-_.A-Za-z0-9]*[A-Za-z0-9])?$/, "must be a slug");

const Environment = z.object({
  name: Slug,
  /** `base` or the name of an earlier environment: the space this one is cloned from and upgraded from. */
  upstream: Slug,
  /** Workload name (Deployment/StatefulSet) -> spec.replicas. */
  replicas: z.record(z.string(), z.number().int().min(0)).default({}),
  /** Container name -> environment variables set in that container. */
  env: z.record(z.string(), z.record(z.string(), z.string())).default({}),
});

const AppEnvironments = z.object({
  units: z.array(Slug).min(1),
  environments: z.array(Environment).min(1),
});

export type Environment = z.infer<typeof Environment>;
export type AppEnvironments = z.infer<typeof AppEnvironments>;

/** Parses and checks environments.yaml: every upstream must be `base` or an environment listed before it. */
export function parseEnvironments(text: string, file = "environments.yaml"): AppEnvironments {
  const parsed = AppEnvironments.safeParse(parse(text));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`${file}: ${issue.path.join(".") || "(top)"}: ${issue.message}`);
  }
  const seen = new Set(["base"]);
  for (const env of parsed.data.environments) {
    if (!seen.has(env.upstream)) {
      throw new Error(
        `${file}: environment ${env.name}: upstream "${env.upstream}" is not base or an earlier environment`,
      );
    }
    if (seen.has(env.name)) throw new Error(`${file}: environment ${env.name} is listed twice`);
    seen.add(env.name);
  }
  return parsed.data;
}

export interface AppUnit {
  slug: string;
  /** The unit's data: the multi-document YAML file as written. */
  data: string;
}

/**
 * An example app folder: `environments.yaml` and `base/<slug>.yaml` for each listed unit (base/ alone is a valid
 * directory source: `check --source examples/global-app/base`).
 */
export async function loadExampleApp(dir: string): Promise<{ units: AppUnit[]; environments: AppEnvironments }> {
  const environments = parseEnvironments(
    await readFile(join(dir, "environments.yaml"), "utf8"),
    join(dir, "environments.yaml"),
  );
  const units = await Promise.all(
    environments.units.map(async (slug) => ({ slug, data: await readFile(join(dir, "base", `${slug}.yaml`), "utf8") })),
  );
  return { units, environments };
}

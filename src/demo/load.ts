import { stringify } from "yaml";
import type { KubeObject } from "../drift/types.js";
import type { HubApi } from "../hub/api.js";
import type { AppEnvironments, AppUnit } from "./environments.js";
import { renderKustomization } from "./kubectl.js";
import { applyOverrides } from "./overrides.js";
import { groupSelfUnits } from "./self-units.js";

// Loading apps into a hub the way the seed's promotion flow does: a base space, environments cloned from their
// upstream (so `unit update --upgrade` promotes), each environment's overrides written as its own revision.

/** YAML that kubectl reads back the same: YAML 1.1 quoting, so a string like `off` or `yes` stays a string. */
export function formatObjects(objects: KubeObject[]): string {
  return objects.map((o) => stringify(o, { version: "1.1", lineWidth: 0 })).join("---\n");
}

export interface LoadedApp {
  /** Space slugs, base first, in promotion order. */
  spaces: string[];
}

/** global-app (or any example app folder) into `<prefix>-base` and one space per environment. */
export async function loadApp(
  hub: HubApi,
  prefix: string,
  app: { name: string; units: AppUnit[]; environments: AppEnvironments },
  opts: { log?: (line: string) => void; envLabels?: Record<string, string> } = {},
): Promise<LoadedApp> {
  const log = opts.log ?? (() => {});
  const base = `${prefix}-base`;
  await hub.createSpace({ Slug: base, Labels: { app: app.name, env: "base", prefix } });
  for (const u of app.units) {
    await hub.createUnit(base, {
      Slug: u.slug,
      Data: u.data,
      Labels: { app: app.name },
      LastChangeDescription: "base",
    });
  }
  log(`${base}: ${app.units.length} units`);
  const spaces = [base];
  for (const env of app.environments.environments) {
    const space = `${prefix}-${env.name}`;
    const upstream = `${prefix}-${env.upstream}`;
    // Extra labels (e.g. what a detector selects spaces by) go on environments only: base is never delivered.
    await hub.createSpace({ Slug: space, Labels: { app: app.name, env: env.name, prefix, ...opts.envLabels } });
    for (const { Unit: up } of await hub.listUnits(upstream)) {
      await hub.cloneUnit(space, upstream, up.Slug, { Slug: up.Slug });
      const data = await hub.getUnitData(space, up.Slug);
      const overridden = applyOverrides(data, space, env);
      if (overridden !== data)
        await hub.putUnitData(space, up.Slug, overridden, { description: `${env.name} overrides` });
    }
    log(`${space}: cloned from ${upstream}, ${env.name} overrides written`);
    spaces.push(space);
  }
  return { spaces };
}

export const SELF_DEV_SPACE = "drift-detector-dev";
export const SELF_PROD_SPACE = "drift-detector-prod";

/** Puts namespaced objects (and the Namespace itself, and RBAC subjects) into `namespace`. */
function inNamespace(objects: KubeObject[], namespace: string): KubeObject[] {
  return objects.map((o) => {
    const copy = structuredClone(o) as KubeObject & { subjects?: Array<{ namespace?: string }> };
    if (copy.kind === "Namespace") copy.metadata.name = namespace;
    else if (copy.metadata.namespace) copy.metadata.namespace = namespace;
    for (const s of copy.subjects ?? []) if (s.namespace) s.namespace = namespace;
    return copy;
  });
}

/**
 * The drift-detector's own manifests: deploy/overlays/dev rendered into units of `drift-detector-dev`, then
 * `drift-detector-prod` cloned from it with deploy/overlays/prod written as prod's own revision, so that a change
 * made in dev (a new image) is promoted with `unit update --patch --upgrade` and prod keeps its replicas and
 * database settings.
 */
export async function loadSelfUnits(
  hub: HubApi,
  deployDir: string,
  opts: {
    kubectl?: string;
    spaces?: { dev: string; prod: string };
    devLabels?: Record<string, string>;
    /** Prod's objects in a namespace of their own (the demo's one sandbox plays both clusters). */
    prodNamespace?: string;
  } = {},
): Promise<{ dev: string; prod: string; units: string[] }> {
  const { dev, prod } = opts.spaces ?? { dev: SELF_DEV_SPACE, prod: SELF_PROD_SPACE };
  const devUnits = groupSelfUnits(await renderKustomization(`${deployDir}/overlays/dev`, { kubectl: opts.kubectl }));
  const prodUnits = groupSelfUnits(await renderKustomization(`${deployDir}/overlays/prod`, { kubectl: opts.kubectl }));
  await hub.createSpace({ Slug: dev, Labels: { app: "drift-detector", env: "dev", ...opts.devLabels } });
  for (const [slug, objects] of devUnits) {
    await hub.createUnit(dev, {
      Slug: slug,
      Data: formatObjects(objects),
      Labels: { app: "drift-detector" },
      LastChangeDescription: "deploy/overlays/dev",
    });
  }
  await hub.createSpace({ Slug: prod, Labels: { app: "drift-detector", env: "prod" } });
  for (const slug of devUnits.keys()) {
    await hub.cloneUnit(prod, dev, slug, { Slug: slug });
    const rendered = prodUnits.get(slug);
    const objects = rendered && opts.prodNamespace ? inNamespace(rendered, opts.prodNamespace) : rendered;
    if (objects) await hub.putUnitData(prod, slug, formatObjects(objects), { description: "deploy/overlays/prod" });
  }
  return { dev, prod, units: [...devUnits.keys()] };
}

import { createHash } from "node:crypto";
import { parseAllDocuments } from "yaml";
import type { DesiredError, DesiredObject, KubeObject, SourceInfo } from "../drift/types.js";
import type { HubApi } from "../hub/api.js";
import { checkSlug } from "../hub/slug.js";
import type { Space, Unit } from "../hub/types.js";
import { mapLimit } from "../lib/concurrency.js";
import { MANIFEST_YAML } from "../lib/manifest-yaml.js";
import { type DesiredSnapshot, type DesiredSource, type DesiredUnit, SourceUnavailableError } from "./source.js";

/** Which revision of each unit is desired: the one last applied (falling back to released, then head), or head. */
export type RevisionChoice = "applied" | "head";

export function chooseRevision(unit: Unit, choice: RevisionChoice): number {
  if (choice === "head") return unit.HeadRevisionNum;
  return unit.LastAppliedRevisionNum || unit.LastReleasedRevisionNum || unit.HeadRevisionNum;
}

interface Parsed {
  objects: DesiredObject[];
  errors: DesiredError[];
}

/**
 * `hub:SPACE` / `confighub:SPACE`: the objects of every unit in the space(s) — SPACE a slug or a `where` expression
 * over spaces — each with its provenance (space, unit, revision). Unit data is cached by unit and revision, so a
 * poll that finds the same revisions costs two list calls and no data transfer.
 */
export class HubSource implements DesiredSource {
  readonly description: string;
  private readonly cache = new Map<string, { hash: string; parsed: Parsed }>();
  private closing: Promise<void> | undefined;
  private loadedUnits: DesiredUnit[] = [];

  constructor(
    private readonly api: HubApi,
    private readonly type: "hub" | "confighub",
    private readonly spaceSpec: string,
    private readonly revision: RevisionChoice = "applied",
  ) {
    this.description = `${type}:${spaceSpec}`;
  }

  async load(): Promise<DesiredSnapshot> {
    if (this.closing) throw new SourceUnavailableError(`${this.description}: the source is closed`);
    const spaces = await this.unavailableOnError(() => this.spaces());
    const objects: DesiredObject[] = [];
    const errors: DesiredError[] = [];
    const versionParts: string[] = [];
    const loadedUnits: DesiredUnit[] = [];
    for (const space of spaces) {
      const units = await this.unavailableOnError(() => this.api.listUnits(space.SpaceID));
      const parsed = await mapLimit(units, 8, async ({ Unit: unit }) => {
        const rev = chooseRevision(unit, this.revision);
        loadedUnits.push({
          space: space.Slug,
          unit: unit.Slug,
          unitId: unit.UnitID,
          revision: rev,
          headRevision: unit.HeadRevisionNum,
          upstream: unit.UpstreamUnitID ? { unitId: unit.UpstreamUnitID, revision: unit.UpstreamRevisionNum } : null,
        });
        versionParts.push(
          `${space.SpaceID}/${unit.UnitID}@${rev}:${rev === unit.HeadRevisionNum ? unit.DataHash : ""}`,
        );
        return this.unitObjects(space, unit, rev);
      });
      for (const p of parsed) {
        objects.push(...p.objects);
        errors.push(...p.errors);
      }
    }
    this.loadedUnits = loadedUnits;
    versionParts.sort();
    const version = createHash("sha256")
      .update(`${this.revision}\n${versionParts.join("\n")}`)
      .digest("hex");
    return { objects, errors, version };
  }

  units(): DesiredUnit[] {
    return this.loadedUnits;
  }

  /** Closes the hub connection (the embedded hub's store, or the HTTP client); once, however often called. */
  close(): Promise<void> {
    this.closing ??= this.api.close().finally(() => this.cache.clear());
    return this.closing;
  }

  private async spaces(): Promise<Space[]> {
    const spec = this.spaceSpec.trim();
    if (!spec)
      throw new SourceUnavailableError(`${this.type}: needs a space: ${this.type}:SPACE or ${this.type}:WHERE`);
    if (isSlug(spec)) return [await this.api.getSpace(spec)];
    return (await this.api.listSpaces(spec)).map((i) => i.Space);
  }

  private async unitObjects(space: Space, unit: Unit, rev: number): Promise<Parsed> {
    const key = `${unit.UnitID}@${rev}`;
    // Head data is known by its hash from the listing; older revisions never change.
    const hash = rev === unit.HeadRevisionNum ? unit.DataHash : "immutable";
    const hit = this.cache.get(key);
    if (hit && hit.hash === hash) return hit.parsed;
    const data = await this.unavailableOnError(() =>
      rev === unit.HeadRevisionNum
        ? this.api.getUnitData(space.SpaceID, unit.UnitID)
        : this.api.getRevisionData(space.SpaceID, unit.UnitID, rev),
    );
    const parsed = parseDocuments(data, { type: this.type, space: space.Slug, unit: unit.Slug, revision: rev });
    for (const k of this.cache.keys()) if (k.startsWith(`${unit.UnitID}@`)) this.cache.delete(k);
    this.cache.set(key, { hash, parsed });
    return parsed;
  }

  private async unavailableOnError<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof SourceUnavailableError) throw err;
      throw new SourceUnavailableError(`${this.description}: ${(err as Error).message}`);
    }
  }
}

function isSlug(spec: string): boolean {
  try {
    checkSlug(spec);
    return true;
  } catch {
    return false;
  }
}

/** Each document on its own: a bad one becomes an error for that document, the rest still count. */
export function parseDocuments(data: string, source: SourceInfo): Parsed {
  const objects: DesiredObject[] = [];
  const errors: DesiredError[] = [];
  const docs = parseAllDocuments(data, MANIFEST_YAML);
  for (const doc of Array.isArray(docs) ? docs : []) {
    if (doc.errors.length) {
      errors.push({ source, error: `invalid YAML: ${doc.errors[0].message.split("\n")[0]}` });
      continue;
    }
    const obj = doc.toJS() as KubeObject | null;
    if (obj === null || obj === undefined) continue;
    if (typeof obj !== "object" || !obj.apiVersion || !obj.kind || !obj.metadata?.name) {
      errors.push({
        source,
        ref: refOf(obj),
        error: "document is not a Kubernetes object (apiVersion, kind, metadata.name)",
      });
      continue;
    }
    objects.push({
      ref: { apiVersion: obj.apiVersion, kind: obj.kind, namespace: obj.metadata.namespace, name: obj.metadata.name },
      object: obj,
      source,
    });
  }
  return { objects, errors };
}

function refOf(obj: unknown) {
  const o = (obj ?? {}) as Partial<KubeObject>;
  return { apiVersion: o.apiVersion, kind: o.kind, name: o.metadata?.name, namespace: o.metadata?.namespace };
}

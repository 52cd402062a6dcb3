// The embedded hub, ConfigHub's model on our store: spaces, units, immutable revisions, clone/upgrade/restore.
import { randomUUID } from "node:crypto";
import { jsonEqual } from "../lib/json.js";
import type { Database, Queryable } from "../store/database.js";
import { PG_UNIQUE_VIOLATION, pgErrorCode } from "../store/database.js";
import type { Release } from "./confighub/wire.js";
import { dataHash, formatUnitData, parseUnitData } from "./data.js";
import { badRequest, conflict, HubError, notFound } from "./errors.js";
import { checkInvocation, isReadOnly, runFunctions } from "./functions.js";
import { mergeUnitData } from "./merge.js";
import {
  iso,
  pick,
  type RevisionRow,
  type SpaceRow,
  spaceSelect,
  toRevision,
  toSpace,
  toUnit,
  type UnitRow,
  unitSelect,
} from "./rows.js";
import { checkLabels, checkSlug } from "./slug.js";
import {
  type FunctionInvocation,
  type FunctionResult,
  KUBERNETES_YAML,
  type ListQuery,
  type MergeConflict,
  type Page,
  type Revision,
  type Space,
  type SpaceInput,
  type SpaceListItem,
  type Unit,
  type UnitInput,
  type UnitListItem,
} from "./types.js";
import { parseWhere } from "./where.js";

/** The output type read-only functions (get-replicas) answer under, as ConfigHub's get functions do. */
export const FUNCTION_OUTPUT = "AttributeValueList";
/** ConfigHub's Outputs carry each output as base64 of its JSON. */
const encodeOutput = (output: unknown[]) => Buffer.from(JSON.stringify(output)).toString("base64");

import { compileOrderBy, compileWhere } from "./where-sql.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MAX_LIMIT = 1000;

/** What changed a unit, for its revision. */
export interface WriteOptions {
  /** The unit's `Version` the caller read: stale → 409. */
  version?: number;
  /** The `DataHash` the caller read (`If-Match`): stale → 409. */
  ifMatch?: string;
  description?: string;
}

export interface UpgradeResult {
  unit: Unit;
  conflicts: MergeConflict[];
}

/** One item of a bulk operation: the unit as it is now, or why it failed. */
export interface BulkResult {
  unit: Unit | null;
  conflicts?: MergeConflict[];
  error: HubError | null;
}

/**
 * The embedded hub: spaces, units and their immutable revisions over the store. Every data change is a new
 * revision, made in one transaction with the unit's new head; nothing is ever changed in place.
 * Spaces and units are addressed by ID or slug (ConfigHub's API takes IDs; slugs are a convenience).
 */
export class Hub {
  constructor(
    private readonly db: Database,
    private readonly userId = "local",
  ) {}

  // ---------------------------------------------------------------- spaces

  async listSpaces(q: ListQuery = {}): Promise<Page<SpaceListItem>> {
    const where = compileWhere(parseWhere(q.where), "space");
    const params = [...where.params];
    let sql = `select ${spaceSelect("s", "s_")}, (select count(*)::int from hub_unit x where x.space_id = s.space_id) as total
      from hub_space s where ${where.sql}`;
    if (q.contains) {
      params.push(`%${q.contains}%`);
      sql += ` and (s.slug ilike $${params.length} or s.display_name ilike $${params.length})`;
    }
    const { limit, offset } = paging(q);
    sql += ` order by ${compileOrderBy(q.orderBy, "space") ?? "s.slug"}, s.space_id limit ${limit + 1} offset ${offset}`;
    const rows = await this.run(() => this.db.query<Record<string, unknown>>(sql, params));
    return page(rows, limit, offset, (r) => ({
      Space: toSpace(pick<SpaceRow>(r, "s_")),
      TotalUnitCount: r.total as number,
    }));
  }

  async getSpace(ref: string): Promise<Space> {
    return toSpace(await this.spaceRow(this.db, ref));
  }

  async createSpace(input: SpaceInput): Promise<Space> {
    const slug = checkSlug(input?.Slug);
    const now = new Date().toISOString();
    const rows = await this.run(() =>
      this.db.query<SpaceRow>(
        `insert into hub_space (space_id, slug, display_name, labels, annotations, created_at, updated_at)
         values ($1, $2, $3, $4, $5, $6, $6) returning *`,
        [
          randomUUID(),
          slug,
          input.DisplayName || slug,
          checkLabels(input.Labels),
          checkLabels(input.Annotations, "Annotations"),
          now,
        ],
      ),
    ).catch(rethrowDuplicate(`space "${slug}" already exists`));
    return toSpace(rows[0]);
  }

  /** Replaces the settable fields present in `patch` (a merge patch: absent fields are kept). */
  async updateSpace(ref: string, patch: Partial<SpaceInput> & { Version?: number }): Promise<Space> {
    return this.db.transaction(async (tx) => {
      const row = await this.spaceRow(tx, ref, true);
      checkVersion(patch.Version, row.version, `space ${row.slug}`);
      const slug = patch.Slug !== undefined ? checkSlug(patch.Slug) : row.slug;
      const updated = await updateMetaRow<SpaceRow>(tx, "hub_space", "space_id", row.space_id, row, slug, patch).catch(
        rethrowDuplicate(`space "${slug}" already exists`),
      );
      return toSpace(updated);
    });
  }

  /** Deletes a space; one that still holds units only with `recursive` (its units and revisions go with it). */
  async deleteSpace(ref: string, opts: { recursive?: boolean } = {}): Promise<void> {
    await this.db.transaction(async (tx) => {
      const row = await this.spaceRow(tx, ref, true);
      const [{ n }] = await tx.query<{ n: number }>("select count(*)::int as n from hub_unit where space_id = $1", [
        row.space_id,
      ]);
      if (n > 0 && !opts.recursive)
        throw conflict(`space ${row.slug} still has ${n} unit(s): delete them first or delete recursively`);
      await tx.query("delete from hub_space where space_id = $1", [row.space_id]);
    });
  }

  // ---------------------------------------------------------------- units

  /** Units of one space (`space` set) or of all spaces, with their space and upstream unit. */
  async listUnits(q: ListQuery & { space?: string } = {}): Promise<Page<UnitListItem>> {
    const space = q.space ? await this.spaceRow(this.db, q.space) : undefined;
    const where = compileWhere(parseWhere(q.where), "unit");
    const params = [...where.params];
    let sql = `select ${unitSelect("u", "u_")}, ${spaceSelect("s", "s_")}, ${unitSelect("uu", "uu_")}, us.slug as us_slug
      from hub_unit u join hub_space s on s.space_id = u.space_id
      left join hub_unit uu on uu.unit_id = u.upstream_unit_id left join hub_space us on us.space_id = uu.space_id
      where ${where.sql}`;
    if (space) {
      params.push(space.space_id);
      sql += ` and u.space_id = $${params.length}`;
    }
    if (q.contains) {
      params.push(`%${q.contains}%`);
      sql += ` and (u.slug ilike $${params.length} or u.display_name ilike $${params.length})`;
    }
    const { limit, offset } = paging(q);
    sql += ` order by ${compileOrderBy(q.orderBy, "unit") ?? "s.slug, u.slug"}, u.unit_id limit ${limit + 1} offset ${offset}`;
    const rows = await this.run(() => this.db.query<Record<string, unknown>>(sql, params));
    return page(rows, limit, offset, (r) => {
      const s = toSpace(pick<SpaceRow>(r, "s_"));
      const uu = pick<UnitRow>(r, "uu_");
      return {
        Unit: toUnit(pick<UnitRow>(r, "u_"), s.Slug),
        Space: s,
        ...(uu.unit_id ? { UpstreamUnit: toUnit(uu, r.us_slug as string) } : {}),
      };
    });
  }

  /** Every unit of a space (all pages). */
  async allUnits(space: string, where?: string): Promise<UnitListItem[]> {
    const out: UnitListItem[] = [];
    let next: string | undefined;
    do {
      const p = await this.listUnits({ space, where, limit: MAX_LIMIT, continue: next });
      out.push(...p.items);
      next = p.next;
    } while (next);
    return out;
  }

  async getUnit(space: string, unit: string): Promise<Unit> {
    const s = await this.spaceRow(this.db, space);
    return toUnit(await this.unitRow(this.db, s, unit), s.slug);
  }

  /**
   * Creates a unit at revision 1 with `Data` (empty without). Over HTTP, where ConfigHub's Unit carries no data,
   * `dataFollows`: no revision until the data is uploaded (`PUT …/data` makes revision 1).
   */
  async createUnit(space: string, input: UnitInput, opts: { dataFollows?: boolean } = {}): Promise<Unit> {
    const slug = checkSlug(input?.Slug);
    const data = opts.dataFollows ? undefined : (input.Data ?? "");
    if (data !== undefined) parseUnitData(data);
    return this.db.transaction(async (tx) => {
      const s = await this.spaceRow(tx, space);
      const row = await this.insertUnit(tx, s, {
        slug,
        displayName: input.DisplayName || slug,
        toolchain: checkToolchain(input.ToolchainType),
        labels: checkLabels(input.Labels),
        annotations: checkLabels(input.Annotations, "Annotations"),
        data,
        description: input.LastChangeDescription || "Created",
        upstream: null,
      });
      return toUnit(row, s.slug);
    });
  }

  /** Clones an upstream unit into `space` (ConfigHub: `POST /space/{sid}/unit?upstream_space_id&upstream_unit_id`). */
  async cloneUnit(
    space: string,
    upstreamSpace: string,
    upstreamUnit: string,
    input: Partial<UnitInput> = {},
  ): Promise<Unit> {
    return this.db.transaction(async (tx) => {
      const s = await this.spaceRow(tx, space);
      const us = await this.spaceRow(tx, upstreamSpace);
      const up = await this.unitRow(tx, us, upstreamUnit);
      const data = await this.revisionData(tx, up.unit_id, up.head_revision_num);
      const slug = checkSlug(input.Slug ?? up.slug);
      const row = await this.insertUnit(tx, s, {
        slug,
        displayName: input.DisplayName || up.display_name,
        toolchain: up.toolchain_type,
        labels: { ...up.labels, ...checkLabels(input.Labels) },
        annotations: { ...up.annotations, ...checkLabels(input.Annotations, "Annotations") },
        data,
        description:
          input.LastChangeDescription || `Cloned from ${us.slug}/${up.slug} revision ${up.head_revision_num}`,
        upstream: { unitId: up.unit_id, spaceId: us.space_id, revisionNum: up.head_revision_num },
      });
      return toUnit(row, s.slug);
    });
  }

  /**
   * Updates a unit's settable fields from a merge patch (DisplayName, Slug, Labels, Annotations) and, when `Data`
   * is given, its data as a new revision.
   */
  async updateUnit(
    space: string,
    unit: string,
    patch: Partial<UnitInput> & { Version?: number },
    opts: WriteOptions = {},
  ): Promise<Unit> {
    if (patch.Data !== undefined) parseUnitData(patch.Data);
    return this.db.transaction(async (tx) => {
      const s = await this.spaceRow(tx, space);
      let row = await this.unitRow(tx, s, unit, true);
      checkVersion(patch.Version ?? opts.version, row.version, `unit ${row.slug}`);
      row = await this.updateMeta(tx, s, row, patch);
      if (patch.Data !== undefined) {
        checkIfMatch(opts.ifMatch, row);
        row = await this.writeRevision(
          tx,
          row,
          patch.Data,
          patch.LastChangeDescription || opts.description || "Updated",
          row.upstream_revision_num,
        );
      }
      return toUnit(row, s.slug);
    });
  }

  async deleteUnit(space: string, unit: string, opts: WriteOptions = {}): Promise<void> {
    await this.db.transaction(async (tx) => {
      const s = await this.spaceRow(tx, space);
      const row = await this.unitRow(tx, s, unit, true);
      checkVersion(opts.version, row.version, `unit ${row.slug}`);
      await tx.query("delete from hub_unit where unit_id = $1", [row.unit_id]);
    });
  }

  // ---------------------------------------------------------------- data and revisions

  async getUnitData(space: string, unit: string): Promise<{ data: string; unit: Unit }> {
    const s = await this.spaceRow(this.db, space);
    const row = await this.unitRow(this.db, s, unit);
    return { data: await this.revisionData(this.db, row.unit_id, row.head_revision_num), unit: toUnit(row, s.slug) };
  }

  /** Replaces the unit's data: a new revision unless the data is unchanged. */
  async putUnitData(space: string, unit: string, data: string, opts: WriteOptions = {}): Promise<Unit> {
    parseUnitData(data);
    return this.db.transaction(async (tx) => {
      const s = await this.spaceRow(tx, space);
      const row = await this.unitRow(tx, s, unit, true);
      checkVersion(opts.version, row.version, `unit ${row.slug}`);
      checkIfMatch(opts.ifMatch, row);
      return toUnit(
        await this.writeRevision(tx, row, data, opts.description || "Updated data", row.upstream_revision_num),
        s.slug,
      );
    });
  }

  /** One page of a unit's revisions (oldest first unless `orderBy`), filtered by `where` over revision attributes. */
  async listRevisionPage(space: string, unit: string, q: ListQuery = {}): Promise<Page<Revision>> {
    const s = await this.spaceRow(this.db, space);
    const row = await this.unitRow(this.db, s, unit);
    const where = compileWhere(parseWhere(q.where), "revision", 2);
    const params: unknown[] = [row.unit_id, ...where.params];
    let sql = `select r.revision_id, r.unit_id, r.space_id, r.revision_num, r.description, r.data_hash, r.data_size,
      r.user_id, r.upstream_revision_num, r.created_at from hub_revision r where r.unit_id = $1 and ${where.sql}`;
    if (q.contains) {
      params.push(`%${q.contains}%`);
      sql += ` and r.description ilike $${params.length}`;
    }
    const { limit, offset } = paging(q);
    sql += ` order by ${compileOrderBy(q.orderBy, "revision") ?? "r.revision_num"}, r.revision_num limit ${limit + 1} offset ${offset}`;
    const rows = await this.run(() => this.db.query<RevisionRow>(sql, params));
    return page(rows, limit, offset, toRevision);
  }

  /** Every revision of a unit matching `where` (all pages), oldest first. */
  async listRevisions(space: string, unit: string, where?: string): Promise<Revision[]> {
    const out: Revision[] = [];
    let next: string | undefined;
    do {
      const p = await this.listRevisionPage(space, unit, { where, limit: MAX_LIMIT, continue: next });
      out.push(...p.items);
      next = p.next;
    } while (next);
    return out;
  }

  /** One revision by number or RevisionID, with its data. */
  async getRevision(space: string, unit: string, ref: string | number): Promise<{ revision: Revision; data: string }> {
    const s = await this.spaceRow(this.db, space);
    const row = await this.unitRow(this.db, s, unit);
    const byId = typeof ref === "string" && UUID.test(ref);
    const num = byId ? null : Number(ref);
    if (!byId && !Number.isInteger(num)) throw badRequest(`revision "${ref}" is neither a number nor a RevisionID`);
    const rows = await this.db.query<RevisionRow & { data: string }>(
      `select * from hub_revision where unit_id = $1 and ${byId ? "revision_id = $2" : "revision_num = $2"}`,
      [row.unit_id, byId ? ref : num],
    );
    if (!rows[0]) throw notFound(`unit ${s.slug}/${row.slug} has no revision ${ref}`);
    return { revision: toRevision(rows[0]), data: rows[0].data };
  }

  // ---------------------------------------------------------------- promotion, rollback, functions

  /**
   * Upgrade (promotion): merges the upstream's changes since `UpstreamRevisionNum` into the unit, keeping the
   * unit's own overrides; a field both changed differently keeps the unit's value and is reported as a conflict.
   */
  async upgradeUnit(
    space: string,
    unit: string,
    opts: WriteOptions & { patch?: Partial<UnitInput> } = {},
  ): Promise<UpgradeResult> {
    return this.db.transaction(async (tx) => {
      const s = await this.spaceRow(tx, space);
      let row = await this.unitRow(tx, s, unit, true);
      checkVersion(opts.version, row.version, `unit ${row.slug}`);
      if (!row.upstream_unit_id) throw badRequest(`unit ${s.slug}/${row.slug} has no upstream unit to upgrade from`);
      const up = (await tx.query<UnitRow>("select * from hub_unit where unit_id = $1", [row.upstream_unit_id]))[0];
      if (!up) throw badRequest(`the upstream of unit ${s.slug}/${row.slug} no longer exists`);
      if (opts.patch) row = await this.updateMeta(tx, s, row, opts.patch);
      if (up.head_revision_num === row.upstream_revision_num) return { unit: toUnit(row, s.slug), conflicts: [] };
      // One after the other: a transaction is one connection, which runs one query at a time.
      const baseText = await this.revisionData(tx, up.unit_id, row.upstream_revision_num);
      const theirsText = await this.revisionData(tx, up.unit_id, up.head_revision_num);
      const oursText = await this.revisionData(tx, row.unit_id, row.head_revision_num);
      const ours = parseUnitData(oursText);
      const merged = mergeUnitData(parseUnitData(baseText), ours, parseUnitData(theirsText));
      const data = jsonEqual(merged.objects, ours) ? oursText : formatUnitData(merged.objects);
      const note = merged.conflicts.length
        ? ` (kept downstream values at ${merged.conflicts.map((c) => `${c.Document}${c.Path}`).join(", ")})`
        : "";
      const description = opts.description || `Upgraded from upstream revision ${up.head_revision_num}${note}`;
      row = await this.writeRevision(tx, row, data, description, up.head_revision_num);
      return { unit: toUnit(row, s.slug), conflicts: merged.conflicts };
    });
  }

  /** Rollback: the data of revision `revisionNum` becomes a new head revision. */
  async restoreUnit(space: string, unit: string, revision: number | string, opts: WriteOptions = {}): Promise<Unit> {
    return this.db.transaction(async (tx) => {
      const s = await this.spaceRow(tx, space);
      const row = await this.unitRow(tx, s, unit, true);
      checkVersion(opts.version, row.version, `unit ${row.slug}`);
      const byId = typeof revision === "string" && UUID.test(revision);
      if (!byId && !Number.isInteger(Number(revision)))
        throw badRequest(`restore: "${revision}" is not a revision number`);
      const old = (
        await tx.query<{ revision_num: number; data: string; upstream_revision_num: number }>(
          `select revision_num, data, upstream_revision_num from hub_revision where unit_id = $1 and ${byId ? "revision_id = $2" : "revision_num = $2"}`,
          [row.unit_id, byId ? revision : Number(revision)],
        )
      )[0];
      if (!old) throw notFound(`unit ${s.slug}/${row.slug} has no revision ${revision}`);
      const description = opts.description || `Restored revision ${old.revision_num}`;
      return toUnit(await this.writeRevision(tx, row, old.data, description, old.upstream_revision_num, true), s.slug);
    });
  }

  /** Runs functions over the units of a space matching `where`; one result per unit, each unit on its own. */
  async invokeFunctions(
    space: string,
    where: string | undefined,
    invocations: FunctionInvocation[],
    description?: string,
  ): Promise<FunctionResult[]> {
    if (!Array.isArray(invocations) || invocations.length === 0) throw badRequest("FunctionInvocations is empty");
    for (const inv of invocations) checkInvocation(inv);
    const units = await this.allUnits(space, where);
    const readOnly = isReadOnly(invocations);
    const results: FunctionResult[] = [];
    for (const { Unit: u } of units) {
      const result: FunctionResult = {
        UnitID: u.UnitID,
        UnitSlug: u.Slug,
        SpaceID: u.SpaceID,
        SpaceSlug: u.SpaceSlug,
        Success: true,
        HasNewMutations: false,
        RevisionID: u.HeadRevisionID,
        DataHash: u.DataHash,
      };
      try {
        await this.db.transaction(async (tx) => {
          const s = await this.spaceRow(tx, u.SpaceID);
          const row = await this.unitRow(tx, s, u.UnitID, !readOnly);
          const outcome = runFunctions(await this.revisionData(tx, row.unit_id, row.head_revision_num), invocations);
          if (outcome.output.length) result.Outputs = { [FUNCTION_OUTPUT]: encodeOutput(outcome.output) };
          if (outcome.mutated) {
            parseUnitData(outcome.data);
            const names = invocations.map((i) => i.FunctionName).join(", ");
            const next = await this.writeRevision(
              tx,
              row,
              outcome.data,
              description || `Ran ${names}`,
              row.upstream_revision_num,
            );
            result.HasNewMutations = true;
            result.RevisionID = next.head_revision_id ?? undefined;
            result.DataHash = next.data_hash;
          }
        });
      } catch (err) {
        result.Success = false;
        result.Error = {
          Message: err instanceof Error ? err.message : String(err),
          Status: err instanceof HubError ? err.status : 500,
        };
      }
      results.push(result);
    }
    return results;
  }

  /** Upgrades every unit matching `where` (all spaces, or one), each on its own: 200 when all succeed, else 207. */
  async bulkUpgrade(where: string | undefined, space?: string): Promise<BulkResult[]> {
    const items = space ? await this.allUnits(space, where) : await this.allUnitsEverywhere(where);
    const results: BulkResult[] = [];
    for (const { Unit: u } of items) {
      try {
        const r = await this.upgradeUnit(u.SpaceID, u.UnitID);
        results.push({ unit: r.unit, conflicts: r.conflicts, error: null });
      } catch (err) {
        results.push({ unit: u, error: err instanceof HubError ? err : new HubError(500, (err as Error).message) });
      }
    }
    return results;
  }

  /** Records the revision `unit apply` applied to a cluster (our extension: ConfigHub has no applied revision). */
  async markApplied(space: string, unit: string, revisionNum: number): Promise<Unit> {
    return this.db.transaction(async (tx) => {
      const s = await this.spaceRow(tx, space);
      const row = await this.unitRow(tx, s, unit, true);
      if (!Number.isInteger(revisionNum) || revisionNum < 0 || revisionNum > row.head_revision_num) {
        throw badRequest(`unit ${s.slug}/${row.slug} has no revision ${revisionNum}`);
      }
      const rows = await tx.query<UnitRow>(
        "update hub_unit set last_applied_revision_num = $2, version = version + 1, updated_at = $3 where unit_id = $1 returning *",
        [row.unit_id, revisionNum, new Date().toISOString()],
      );
      return toUnit(rows[0], s.slug);
    });
  }

  /**
   * ConfigHub's `POST /space/{id}/release`: every unit of the space is released at its head revision
   * (LastReleasedRevisionNum). The release itself is not kept: the embedded hub has no release list.
   */
  async publishRelease(space: string): Promise<Release> {
    return this.db.transaction(async (tx) => {
      const s = await this.spaceRow(tx, space, true);
      const now = new Date().toISOString();
      const rows = await tx.query<{ n: number }>(
        `with r as (update hub_unit set last_released_revision_num = head_revision_num, version = version + 1,
           updated_at = $2 where space_id = $1 and last_released_revision_num <> head_revision_num returning 1)
         select count(*)::int as n from hub_unit where space_id = $1`,
        [s.space_id, now],
      );
      return {
        ReleaseID: randomUUID(),
        SpaceID: s.space_id,
        SpaceSlug: s.slug,
        UnitCount: rows[0].n,
        Published: true,
        CreatedAt: now,
        UpdatedAt: now,
      };
    });
  }

  // ---------------------------------------------------------------- internals

  private async allUnitsEverywhere(where?: string): Promise<UnitListItem[]> {
    const out: UnitListItem[] = [];
    let next: string | undefined;
    do {
      const p = await this.listUnits({ where, limit: MAX_LIMIT, continue: next });
      out.push(...p.items);
      next = p.next;
    } while (next);
    return out;
  }

  private async spaceRow(q: Queryable, ref: string, forUpdate = false): Promise<SpaceRow> {
    if (!ref) throw badRequest("a space is required");
    const col = UUID.test(ref) ? "space_id" : "slug";
    const rows = await q.query<SpaceRow>(`select * from hub_space where ${col} = $1${forUpdate ? " for update" : ""}`, [
      ref,
    ]);
    if (!rows[0]) throw notFound(`space "${ref}" not found`);
    return rows[0];
  }

  private async unitRow(q: Queryable, space: SpaceRow, ref: string, forUpdate = false): Promise<UnitRow> {
    if (!ref) throw badRequest("a unit is required");
    const col = UUID.test(ref) ? "unit_id" : "slug";
    const rows = await q.query<UnitRow>(
      `select * from hub_unit where space_id = $1 and ${col} = $2${forUpdate ? " for update" : ""}`,
      [space.space_id, ref],
    );
    if (!rows[0]) throw notFound(`unit "${ref}" not found in space ${space.slug}`);
    return rows[0];
  }

  private async revisionData(q: Queryable, unitId: string, revisionNum: number): Promise<string> {
    if (revisionNum === 0) return ""; // no data uploaded yet
    const rows = await q.query<{ data: string }>(
      "select data from hub_revision where unit_id = $1 and revision_num = $2",
      [unitId, revisionNum],
    );
    if (!rows[0]) throw new HubError(500, `revision ${revisionNum} of unit ${unitId} is missing`);
    return rows[0].data;
  }

  private async insertUnit(
    tx: Queryable,
    s: SpaceRow,
    u: {
      slug: string;
      displayName: string;
      toolchain: string;
      labels: Record<string, string>;
      annotations: Record<string, string>;
      data: string | undefined;
      description: string;
      upstream: { unitId: string; spaceId: string; revisionNum: number } | null;
    },
  ): Promise<UnitRow> {
    const now = new Date().toISOString();
    const unitId = randomUUID();
    const revisionId = u.data === undefined ? null : randomUUID();
    const hash = dataHash(u.data ?? "");
    const size = Buffer.byteLength(u.data ?? "");
    const rows = await tx
      .query<UnitRow>(
        `insert into hub_unit (unit_id, space_id, slug, display_name, toolchain_type, labels, annotations,
          last_change_description, data_hash, data_size, head_revision_num, head_revision_id, upstream_unit_id,
          upstream_space_id, upstream_revision_num, created_at, updated_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $15, $16, $11, $12, $13, $14, $14) returning *`,
        [
          unitId,
          s.space_id,
          u.slug,
          u.displayName,
          u.toolchain,
          u.labels,
          u.annotations,
          u.description,
          hash,
          size,
          u.upstream?.unitId ?? null,
          u.upstream?.spaceId ?? null,
          u.upstream?.revisionNum ?? 0,
          now,
          revisionId ? 1 : 0,
          revisionId,
        ],
      )
      .catch(rethrowDuplicate(`unit "${u.slug}" already exists in space ${s.slug}`));
    if (!revisionId) return rows[0];
    await tx.query(
      `insert into hub_revision (revision_id, unit_id, space_id, revision_num, description, data, data_hash, data_size,
        user_id, upstream_revision_num, created_at) values ($1, $2, $3, 1, $4, $5, $6, $7, $8, $9, $10)`,
      [
        revisionId,
        unitId,
        s.space_id,
        u.description,
        u.data,
        hash,
        size,
        this.userId,
        u.upstream?.revisionNum ?? 0,
        now,
      ],
    );
    return rows[0];
  }

  /** Appends a revision and moves the unit's head to it; unchanged data makes none (unless `always`). */
  private async writeRevision(
    tx: Queryable,
    row: UnitRow,
    data: string,
    description: string,
    upstreamRevisionNum: number,
    always = false,
  ): Promise<UnitRow> {
    const hash = dataHash(data);
    const now = new Date().toISOString();
    if (hash === row.data_hash && !always && row.head_revision_num > 0) {
      if (upstreamRevisionNum === row.upstream_revision_num) return row;
      const rows = await tx.query<UnitRow>(
        "update hub_unit set upstream_revision_num = $2, version = version + 1, updated_at = $3 where unit_id = $1 returning *",
        [row.unit_id, upstreamRevisionNum, now],
      );
      return rows[0];
    }
    const num = row.head_revision_num + 1;
    const size = Buffer.byteLength(data);
    const revisionId = randomUUID();
    await tx.query(
      `insert into hub_revision (revision_id, unit_id, space_id, revision_num, description, data, data_hash, data_size,
        user_id, upstream_revision_num, created_at) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
      [
        revisionId,
        row.unit_id,
        row.space_id,
        num,
        description,
        data,
        hash,
        size,
        this.userId,
        upstreamRevisionNum,
        now,
      ],
    );
    const rows = await tx.query<UnitRow>(
      `update hub_unit set head_revision_num = $2, data_hash = $3, data_size = $4, last_change_description = $5,
        upstream_revision_num = $6, version = version + 1, updated_at = $7, head_revision_id = $8 where unit_id = $1
        returning *`,
      [row.unit_id, num, hash, size, description, upstreamRevisionNum, now, revisionId],
    );
    return rows[0];
  }

  private async updateMeta(tx: Queryable, s: SpaceRow, row: UnitRow, patch: Partial<UnitInput>): Promise<UnitRow> {
    const touches = ["Slug", "DisplayName", "Labels", "Annotations"].some(
      (k) => (patch as Record<string, unknown>)[k] !== undefined,
    );
    if (!touches) return row;
    const slug = patch.Slug !== undefined ? checkSlug(patch.Slug) : row.slug;
    return updateMetaRow<UnitRow>(tx, "hub_unit", "unit_id", row.unit_id, row, slug, patch).catch(
      rethrowDuplicate(`unit "${slug}" already exists in space ${s.slug}`),
    );
  }

  /** Maps database errors a caller caused (a where over a wrong type) to 400. */
  private async run<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      const code = pgErrorCode(err);
      if (code && (code.startsWith("22") || code === "42883" || code === "42804"))
        throw badRequest(`where: ${(err as Error).message}`);
      throw err;
    }
  }
}

function checkVersion(expected: number | undefined, actual: number, what: string): void {
  if (expected !== undefined && expected !== null && Number(expected) !== actual) {
    throw conflict(`${what} was changed by someone else (Version ${actual}, you sent ${expected}): read it again`);
  }
}

function checkIfMatch(ifMatch: string | undefined, row: UnitRow): void {
  if (ifMatch === undefined) return;
  const tags = ifMatch.split(",").map((t) => t.trim().replace(/^W\//, "").replace(/^"|"$/g, ""));
  if (!tags.includes("*") && !tags.includes(row.data_hash)) {
    throw conflict(`unit ${row.slug}'s data changed since you read it (DataHash ${row.data_hash}): read it again`);
  }
}

function checkToolchain(t: string | undefined): string {
  if (t === undefined || t === "" || t === KUBERNETES_YAML) return KUBERNETES_YAML;
  throw badRequest(`ToolchainType "${t}" is not supported: only ${KUBERNETES_YAML}`);
}

/** Merge-patch semantics for label maps: a key set to null is removed. */
function mergeLabels(current: Record<string, string>, patch: unknown, what = "Labels"): Record<string, string> {
  if (patch === undefined) return current;
  if (patch === null) return {};
  if (typeof patch !== "object" || Array.isArray(patch)) throw badRequest(`${what} must be an object of strings`);
  const out = { ...current };
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else if (typeof v === "string") out[k] = v;
    else throw badRequest(`${what}.${k} must be a string`);
  }
  return out;
}

function rethrowDuplicate(message: string) {
  return (err: unknown): never => {
    if (pgErrorCode(err) === PG_UNIQUE_VIOLATION) throw conflict(message);
    throw err;
  };
}

function paging(q: ListQuery): { limit: number; offset: number } {
  const limit = q.limit === undefined ? MAX_LIMIT : Number(q.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) throw badRequest(`limit must be 1..${MAX_LIMIT}`);
  let offset = 0;
  if (q.continue) {
    try {
      offset = Number(JSON.parse(Buffer.from(q.continue, "base64url").toString("utf8")).o);
    } catch {
      offset = Number.NaN;
    }
    if (!Number.isInteger(offset) || offset < 0) throw badRequest("continue: not a token this hub returned");
  }
  return { limit, offset };
}

function page<R, T>(rows: R[], limit: number, offset: number, map: (r: R) => T): Page<T> {
  const items = rows.slice(0, limit).map(map);
  const next =
    rows.length > limit ? Buffer.from(JSON.stringify({ o: offset + limit })).toString("base64url") : undefined;
  return next ? { items, next } : { items };
}

export { iso };

/** Spaces and units share their settable metadata: slug, display name, labels (merged), annotations (merged). */
async function updateMetaRow<R>(
  tx: Queryable,
  table: "hub_space" | "hub_unit",
  idColumn: "space_id" | "unit_id",
  id: string,
  row: { display_name: string; labels: Record<string, string>; annotations: Record<string, string> },
  slug: string,
  patch: { DisplayName?: string; Labels?: unknown; Annotations?: unknown },
): Promise<R> {
  const rows = await tx.query<R>(
    `update ${table} set slug = $2, display_name = $3, labels = $4, annotations = $5, version = version + 1,
     updated_at = $6 where ${idColumn} = $1 returning *`,
    [
      id,
      slug,
      patch.DisplayName ?? row.display_name,
      mergeLabels(row.labels, patch.Labels),
      mergeLabels(row.annotations, patch.Annotations, "Annotations"),
      new Date().toISOString(),
    ],
  );
  return rows[0];
}

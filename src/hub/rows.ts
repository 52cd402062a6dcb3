import { createHash } from "node:crypto";
import type { Revision, Space, Unit } from "./types.js";

// Database rows → ConfigHub-shaped entities.

export interface SpaceRow {
  space_id: string;
  slug: string;
  display_name: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  version: number;
  created_at: Date | string;
  updated_at: Date | string;
}

export interface UnitRow {
  unit_id: string;
  space_id: string;
  slug: string;
  display_name: string;
  toolchain_type: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  last_change_description: string;
  data_hash: string;
  data_size: number;
  head_revision_num: number;
  /** Null before the first revision (a unit created over HTTP before its data is uploaded). */
  head_revision_id: string | null;
  last_released_revision_num: number;
  last_applied_revision_num: number;
  upstream_unit_id: string | null;
  upstream_space_id: string | null;
  upstream_revision_num: number;
  version: number;
  created_at: Date | string;
  updated_at: Date | string;
}

export interface RevisionRow {
  revision_id: string;
  unit_id: string;
  space_id: string;
  revision_num: number;
  description: string;
  data_hash: string;
  data_size: number;
  user_id: string;
  upstream_revision_num: number;
  created_at: Date | string;
}

export const iso = (t: Date | string): string => new Date(t).toISOString();

export function toSpace(r: SpaceRow): Space {
  return {
    SpaceID: r.space_id,
    Slug: r.slug,
    DisplayName: r.display_name,
    Labels: r.labels ?? {},
    Annotations: r.annotations ?? {},
    Version: r.version,
    CreatedAt: iso(r.created_at),
    UpdatedAt: iso(r.updated_at),
  };
}

export function toUnit(r: UnitRow, spaceSlug: string): Unit {
  return {
    UnitID: r.unit_id,
    SpaceID: r.space_id,
    SpaceSlug: spaceSlug,
    Slug: r.slug,
    DisplayName: r.display_name,
    ToolchainType: r.toolchain_type,
    Labels: r.labels ?? {},
    Annotations: r.annotations ?? {},
    LastChangeDescription: r.last_change_description,
    DataHash: r.data_hash,
    DataSize: r.data_size,
    HeadRevisionNum: r.head_revision_num,
    HeadRevisionID: r.head_revision_id ?? undefined,
    LastReleasedRevisionNum: r.last_released_revision_num,
    LastAppliedRevisionNum: r.last_applied_revision_num,
    UpstreamUnitID: r.upstream_unit_id ?? undefined,
    UpstreamSpaceID: r.upstream_space_id ?? undefined,
    UpstreamRevisionNum: r.upstream_revision_num,
    Version: r.version,
    CreatedAt: iso(r.created_at),
    UpdatedAt: iso(r.updated_at),
  };
}

export function toRevision(r: RevisionRow): Revision {
  return {
    RevisionID: r.revision_id,
    RevisionNum: r.revision_num,
    UnitID: r.unit_id,
    SpaceID: r.space_id,
    Description: r.description,
    DataHash: r.data_hash,
    DataSize: r.data_size,
    UserID: userId(r.user_id),
    CreatedAt: iso(r.created_at),
  };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** ConfigHub's UserID is a UUID; our revisions record a user name, answered as a stable name-based UUID. */
export function userId(name: string): string {
  if (UUID.test(name)) return name;
  const h = createHash("sha1").update(`drift-detector-user:${name}`).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((Number.parseInt(h[16], 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

// Columns of hub_unit as a select list for alias `a`, prefixed `p` (joins return both sides in one row).
const UNIT_COLS = [
  "unit_id",
  "space_id",
  "slug",
  "display_name",
  "toolchain_type",
  "labels",
  "annotations",
  "last_change_description",
  "data_hash",
  "data_size",
  "head_revision_num",
  "head_revision_id",
  "last_released_revision_num",
  "last_applied_revision_num",
  "upstream_unit_id",
  "upstream_space_id",
  "upstream_revision_num",
  "version",
  "created_at",
  "updated_at",
];
const SPACE_COLS = ["space_id", "slug", "display_name", "labels", "annotations", "version", "created_at", "updated_at"];

export const unitSelect = (a: string, p: string) => UNIT_COLS.map((c) => `${a}.${c} as ${p}${c}`).join(", ");
export const spaceSelect = (a: string, p: string) => SPACE_COLS.map((c) => `${a}.${c} as ${p}${c}`).join(", ");

/** Picks the columns with prefix `p` out of a joined row. */
export function pick<T>(row: Record<string, unknown>, p: string): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) if (k.startsWith(p)) out[k.slice(p.length)] = v;
  return out as T;
}

import type { MigrationScript } from "../migrate.js";

// The embedded hub: spaces, units and their immutable revisions (ConfigHub's entities, src/hub/types.ts).
export const migration: MigrationScript = {
  sql: `
create table hub_space (
  space_id uuid primary key,
  slug text not null unique,
  display_name text not null,
  labels jsonb not null default '{}',
  annotations jsonb not null default '{}',
  version integer not null default 1,
  created_at timestamptz not null,
  updated_at timestamptz not null
);

create table hub_unit (
  unit_id uuid primary key,
  space_id uuid not null references hub_space (space_id) on delete cascade,
  slug text not null,
  display_name text not null,
  toolchain_type text not null,
  labels jsonb not null default '{}',
  annotations jsonb not null default '{}',
  last_change_description text not null default '',
  data_hash text not null,
  data_size integer not null,
  head_revision_num integer not null,
  last_released_revision_num integer not null default 0,
  last_applied_revision_num integer not null default 0,
  upstream_unit_id uuid references hub_unit (unit_id) on delete set null,
  upstream_space_id uuid,
  upstream_revision_num integer not null default 0,
  version integer not null default 1,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  unique (space_id, slug)
);
create index hub_unit_upstream on hub_unit (upstream_unit_id);

create table hub_revision (
  revision_id uuid primary key,
  unit_id uuid not null references hub_unit (unit_id) on delete cascade,
  space_id uuid not null,
  revision_num integer not null,
  description text not null default '',
  data text not null,
  data_hash text not null,
  data_size integer not null,
  user_id text not null default '',
  -- the upstream revision this data was merged from: a restore brings it back with the data
  upstream_revision_num integer not null default 0,
  created_at timestamptz not null,
  unique (unit_id, revision_num)
);
`,
};

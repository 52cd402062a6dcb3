import type { MigrationScript } from "../migrate.js";

// The drift-detector service: drift records (one open per cluster and object, enforced by a partial unique index,
// which is what keeps two leaders from announcing the same drift twice) and the analysis cache by fingerprint.
export const migration: MigrationScript = {
  sql: `
create table drift_record (
  id uuid primary key,
  cluster text not null,
  object_key text not null,
  namespace text not null default '',
  kind text not null,
  name text not null,
  status text not null,
  severity text not null,
  fingerprint text not null,
  record jsonb not null,
  opened_at timestamptz not null,
  updated_at timestamptz not null,
  resolved_at timestamptz
);
create unique index drift_record_one_open on drift_record (cluster, object_key) where status = 'open';
create index drift_record_listing on drift_record (status, opened_at desc, id);
create index drift_record_object on drift_record (cluster, object_key, opened_at desc);

create table drift_analysis_cache (
  fingerprint text primary key,
  analysis jsonb not null,
  created_at timestamptz not null default now()
);
`,
};

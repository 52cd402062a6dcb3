import type { MigrationScript } from "../migrate.js";

// Remediation (src/remediation/): the audit of every action, ignore rules added from drift records, and
// snoozes (a record kept quiet until a time).
export const migration: MigrationScript = {
  sql: `
create table audit_remediation (
  id bigserial primary key,
  at timestamptz not null,
  actor text not null,
  action text not null,
  dry_run boolean not null,
  record_id text not null,
  resource text not null,
  cluster text not null default '',
  paths jsonb not null default '[]',
  outcome text not null,
  message text not null,
  details jsonb not null default '{}'
);
create index audit_remediation_record on audit_remediation (record_id, id);
create index audit_remediation_at on audit_remediation (at desc);

create table remediation_ignore_rule (
  id bigserial primary key,
  created_at timestamptz not null,
  created_by text not null,
  record_id text not null,
  rule jsonb not null
);

create table remediation_snooze (
  record_id text primary key,
  until timestamptz not null,
  created_at timestamptz not null,
  created_by text not null
);
`,
};

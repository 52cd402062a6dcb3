import type { MigrationScript } from "../migrate.js";

// The unowned values each object held at its last observation (src/detection/baselines.ts), so a restart or a
// new leader still sees a write the cluster recorded no owner for. Secret values are stored masked.
export const migration: MigrationScript = {
  sql: `
create table drift_baseline (
  cluster text not null,
  object_key text not null,
  uid text not null,
  desired_hash text not null,
  "values" jsonb not null,
  updated_at timestamptz not null default now(),
  primary key (cluster, object_key)
);
`,
};

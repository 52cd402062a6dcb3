import type { MigrationScript } from "../migrate.js";

// DRIFT_IDENTITY=admission: the writes the admission webhook saw, shared by the replicas (the apiserver calls any
// of them; the leader correlates). Personal data: kept minutes, then deleted (src/identity/shared-writes.ts).
export const migration: MigrationScript = {
  sql: `
create table identity_write (
  object_uid text not null,
  at timestamptz not null,
  write jsonb not null
);
create index identity_write_object on identity_write (object_uid, at);
create index identity_write_at on identity_write (at);
`,
};

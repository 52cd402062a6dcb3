import type { MigrationScript } from "../migrate.js";

// Retention (src/detector/retention.ts) finds resolved records by age without reading the open ones.
export const migration: MigrationScript = {
  sql: `
create index drift_record_resolved_at on drift_record (coalesce(resolved_at, updated_at)) where status <> 'open';
`,
};

import type { MigrationScript } from "../migrate.js";

// ConfigHub addresses revisions by RevisionID only; a unit names its head one (Unit.HeadRevisionID).
export const migration: MigrationScript = {
  sql: `
alter table hub_unit add column head_revision_id uuid;
update hub_unit u set head_revision_id = r.revision_id
  from hub_revision r where r.unit_id = u.unit_id and r.revision_num = u.head_revision_num;
`,
};

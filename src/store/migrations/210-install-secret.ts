import type { MigrationScript } from "../migrate.js";

// Secrets of this installation, made on its first start and shared by its replicas (the Secret hash key).
export const migration: MigrationScript = {
  sql: `create table install_secret (
  name text primary key,
  value text not null,
  created_at timestamptz not null default now()
);`,
};

// One small database interface for every module that keeps state. Two engines speak the same SQL (PostgreSQL's):
// PGlite, embedded in the process with its files under the data dir (the default), and a PostgreSQL server
// (`DATABASE_URL`, needed when more than one replica runs).
import { ExpectedError } from "../lib/errors.js";

/** Anything that can run a query: the database itself or an open transaction. */
export interface Queryable {
  /** Runs one statement with `$1…` parameters and returns its rows. */
  query<Row = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<Row[]>;
  /** Runs a script of several statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
}

export type StoreKind = "pglite" | "postgres";

export interface Database extends Queryable {
  readonly kind: StoreKind;
  /** Runs `fn` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** The store cannot be opened or used at all (bad URL, data dir in use, server unreachable). */
export class StoreUnavailableError extends ExpectedError {
  override readonly name = "StoreUnavailableError";
}

/** PostgreSQL error codes we act on. */
export const PG_UNIQUE_VIOLATION = "23505";
export const PG_SERIALIZATION_FAILURE = "40001";

export function pgErrorCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}

/**
 * The server refused this statement for what it holds (a value it cannot store, a constraint, a limit), rather than
 * being unreachable or failing as a whole: writing other rows may still work. By SQLSTATE class: 22 data exception,
 * 23 integrity constraint violation, 54 program limit exceeded, P0 raised by a trigger or function.
 */
export function isRefusal(err: unknown): boolean {
  const code = pgErrorCode(err);
  return code !== undefined && /^(22|23|54|P0)/.test(code);
}

import pg from "pg";
import { type Database, type Queryable, StoreUnavailableError } from "./database.js";

// Numeric and bigint columns come back as strings by default; our counts and revision numbers fit a double.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number.parseInt(v, 10));

export interface PostgresTimeouts {
  /** Giving up on a connection that does not open (a server that is down or frozen). */
  connectTimeoutMs: number;
  /** The server cancels a statement running longer; the client gives up a little later (a frozen server). */
  statementTimeoutMs: number;
  /** The server ends a session that holds a transaction open, idle, for longer (its locks go with it). */
  idleInTransactionTimeoutMs: number;
}

export const DEFAULT_POSTGRES_TIMEOUTS: PostgresTimeouts = {
  connectTimeoutMs: 10_000,
  statementTimeoutMs: 30_000,
  idleInTransactionTimeoutMs: 60_000,
};

// How much later than the server's statement timeout the client stops waiting for an answer.
const CLIENT_GRACE_MS = 2000;

/** Connects to the PostgreSQL server named by `url` (`postgres://user:pass@host:port/db`). */
export async function openPostgres(url: string, timeouts: Partial<PostgresTimeouts> = {}): Promise<Database> {
  const t = { ...DEFAULT_POSTGRES_TIMEOUTS, ...timeouts };
  const pool = new pg.Pool({
    connectionString: url,
    max: 8,
    connectionTimeoutMillis: t.connectTimeoutMs,
    statement_timeout: t.statementTimeoutMs,
    query_timeout: t.statementTimeoutMs + CLIENT_GRACE_MS,
    idle_in_transaction_session_timeout: t.idleInTransactionTimeoutMs,
    keepAlive: true,
  });
  // A dropped idle connection must not crash the process; the pool replaces it.
  pool.on("error", () => {});
  try {
    await pool.query("select 1");
  } catch (err) {
    await pool.end().catch(() => {});
    throw new StoreUnavailableError(`cannot connect to PostgreSQL (DATABASE_URL): ${(err as Error).message}`);
  }
  return new PostgresDatabase(pool);
}

function clientQueryable(client: pg.PoolClient): Queryable {
  return {
    query: async <Row>(sql: string, params: readonly unknown[] = []) =>
      (await client.query(sql, params as unknown[])).rows as Row[],
    exec: async (sql: string) => {
      await client.query(sql);
    },
  };
}

export class PostgresDatabase implements Database {
  readonly kind = "postgres" as const;

  constructor(private readonly pool: pg.Pool) {}

  async query<Row>(sql: string, params: readonly unknown[] = []): Promise<Row[]> {
    return (await this.pool.query(sql, params as unknown[])).rows as Row[];
  }

  async exec(sql: string): Promise<void> {
    await this.pool.query(sql);
  }

  async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    return this.withClient(async (client) => {
      await client.query("begin");
      try {
        const result = await fn(clientQueryable(client));
        await client.query("commit");
        return result;
      } catch (err) {
        await client.query("rollback").catch(() => {});
        throw err;
      }
    });
  }

  /** Runs `fn` on one dedicated connection (session-level advisory locks need that). */
  async withConnection<T>(fn: (conn: Queryable) => Promise<T>): Promise<T> {
    return this.withClient((client) => fn(clientQueryable(client)));
  }

  /**
   * A client checked out of the pool has no error listener of the pool's: a connection dropped meanwhile (a server
   * restart) would emit an unhandled 'error' and crash the process. Here it is noted (the failing query reports it)
   * and the broken client is destroyed rather than returned to the pool; so is one whose work failed, as a query the
   * client stopped waiting for (a frozen server) leaves the connection unusable.
   */
  private async withClient<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    let broken: Error | undefined;
    const onError = (err: Error) => {
      broken = err;
    };
    client.on("error", onError);
    try {
      return await fn(client);
    } catch (err) {
      broken ??= err as Error;
      throw err;
    } finally {
      client.off("error", onError);
      client.release(broken);
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

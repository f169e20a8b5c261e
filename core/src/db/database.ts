/**
 * One database API for both setups: everything talks to a `pg.Pool`, whether it points at a PostgreSQL
 * server (DATABASE_URL) or at the embedded PostgreSQL cluster that Waifudex runs in DATA_DIR.
 */
import pg from 'pg';
import type { Logger } from '../logger.js';
import { redactUrl } from '../logger.js';
import { DatabaseUnavailableError } from './errors.js';
import { openEmbedded } from './embedded-database.js';

/** Anything that can run a parameterised query (a pool, a pool client inside a transaction). */
export interface Queryable {
  query<R extends pg.QueryResultRow = any>(text: string, params?: unknown[]): Promise<pg.QueryResult<R>>;
}

/** The database handle passed to repos and services. */
export interface Db extends Queryable {
  readonly kind: 'postgres' | 'embedded';
  /** Human-readable location without secrets. */
  readonly location: string;
  readonly pool: pg.Pool;
  /** Runs fn inside BEGIN/COMMIT on one pooled connection (rolled back when fn throws). */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/**
 * Deadlines per kind of process, so that one stuck client cannot wedge the others: the server answers
 * people (short statements, fail fast when the pool is exhausted); CLI commands and the sync worker do
 * bulk work.
 */
export type DbRole = 'server' | 'cli';
const POOL_SETTINGS: Record<DbRole, pg.PoolConfig> = {
  server: {
    max: 10,
    // Kept open past the idle timeout: a new backend's first search costs ~4× a warm one (catalog and
    // plan caches), and bursty traffic would otherwise pay it after every quiet half-minute.
    min: 2,
    connectionTimeoutMillis: 5_000,
    statement_timeout: 15_000,
    idle_in_transaction_session_timeout: 30_000,
  },
  cli: {
    max: 4,
    connectionTimeoutMillis: 30_000,
    statement_timeout: 120_000,
    idle_in_transaction_session_timeout: 120_000,
  },
};

// Return int8/numeric as strings (ids stay exact), but parse counts that we cast to int.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => v);

export function poolSettings(role: DbRole): pg.PoolConfig {
  return { ...POOL_SETTINGS[role], idleTimeoutMillis: 30_000 };
}

/** Wraps a pool into the Db interface. */
export function wrapPool(pool: pg.Pool, kind: Db['kind'], location: string, onClose?: () => Promise<void>): Db {
  pool.on('error', () => undefined); // idle-client errors surface on the next query instead of crashing
  let closed: Promise<void> | undefined;
  return {
    kind,
    location,
    pool,
    query: (text, params) => pool.query(text, params as any[]),
    async transaction(fn) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const result = await fn(client);
        // A transaction that failed inside fn (an error caught there) ends in ROLLBACK, not an error.
        const commit = await client.query('COMMIT');
        if (commit.command === 'ROLLBACK') throw new Error('transaction was rolled back: a statement inside it failed');
        client.release();
        return result;
      } catch (err) {
        const broken = await client.query('ROLLBACK').then(
          () => false,
          () => true,
        );
        client.release(broken ? (err as Error) : undefined);
        throw err;
      }
    },
    close() {
      closed ??= (async () => {
        // catch: shutting down: a pool whose connections died must not fail the close
        await pool.end().catch(() => undefined);
        await onClose?.();
      })();
      return closed;
    },
  };
}

export interface OpenDatabaseOptions {
  databaseUrl?: string | undefined;
  /** Folder holding the embedded database (DATA_DIR). */
  dataDir: string;
  logger: Logger;
  role?: DbRole;
}

/** Opens PostgreSQL (DATABASE_URL) or the embedded cluster in DATA_DIR, and checks it answers. */
export async function openDatabase(opts: OpenDatabaseOptions): Promise<Db> {
  const role = opts.role ?? 'cli';
  if (opts.databaseUrl) return openPostgres(opts.databaseUrl, role);
  return openEmbedded({ dataDir: opts.dataDir, logger: opts.logger, pool: poolSettings(role) });
}

async function openPostgres(url: string, role: DbRole): Promise<Db> {
  const where = describeUrl(url);
  const pool = new pg.Pool({ connectionString: url, ...poolSettings(role) });
  pool.on('error', () => undefined);
  try {
    await pool.query('SELECT 1');
  } catch (err) {
    // catch: the connection error below is the one to report
    await pool.end().catch(() => undefined);
    throw new DatabaseUnavailableError(`Cannot reach PostgreSQL at ${where}: ${(err as Error).message}`);
  }
  return wrapPool(pool, 'postgres', redactUrl(url));
}

function describeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || 5432}${u.pathname}`;
  } catch {
    return '<unparseable DATABASE_URL>';
  }
}

/**
 * One database API for both engines: everything talks to a `pg.Pool`, whether it points at a real
 * PostgreSQL server or at the embedded PGlite (directly in tests, over its local socket otherwise).
 */
import pg from 'pg';
import type { Logger } from '../logger.js';
import { redactUrl } from '../logger.js';

/** Anything that can run a parameterised query (a pool, a pool client inside a transaction). */
export interface Queryable {
  query<R extends pg.QueryResultRow = any>(text: string, params?: unknown[]): Promise<pg.QueryResult<R>>;
}

/** The database handle passed to repos and services. */
export interface Db extends Queryable {
  readonly kind: 'postgres' | 'pglite';
  /** Human-readable location without secrets. */
  readonly location: string;
  readonly pool: pg.Pool;
  /**
   * Runs fn inside BEGIN/COMMIT on one connection. Never query through the Db (only through tx)
   * inside fn: embedded PGlite has one session, so that would wait on the open transaction forever.
   */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** Raised when the database cannot be opened or reached; the message names where, never a password. */
export class DatabaseUnavailableError extends Error {
  override name = 'DatabaseUnavailableError';
}

// Return int8/numeric as strings (ids stay exact), but parse counts that we cast to int.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => v);

/** Wraps a pool into the Db interface. */
export function wrapPool(pool: pg.Pool, kind: Db['kind'], location: string, onClose?: () => Promise<void>): Db {
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
        await client.query('COMMIT');
        return result;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw err;
      } finally {
        client.release();
      }
    },
    async close() {
      await pool.end();
      await onClose?.();
    },
  };
}

export interface OpenDatabaseOptions {
  databaseUrl?: string | undefined;
  /** Folder holding the embedded database (DATA_DIR). */
  dataDir: string;
  logger: Logger;
  /** 'memory' opens a throw-away in-memory PGlite (tests). */
  embedded?: 'shared' | 'memory';
}

/** Opens PostgreSQL (DATABASE_URL) or the embedded PGlite and checks it answers. */
export async function openDatabase(opts: OpenDatabaseOptions): Promise<Db> {
  if (opts.databaseUrl) return openPostgres(opts.databaseUrl);
  const { openEmbedded } = await import('./pglite.js');
  return openEmbedded(opts.embedded === 'memory' ? { memory: true, logger: opts.logger } : { dataDir: opts.dataDir, logger: opts.logger });
}

async function openPostgres(url: string): Promise<Db> {
  const where = describeUrl(url);
  const pool = new pg.Pool({ connectionString: url, max: 8, connectionTimeoutMillis: 5000, idleTimeoutMillis: 30_000 });
  pool.on('error', () => undefined); // idle-client errors surface on the next query instead of crashing
  try {
    await pool.query('SELECT 1');
  } catch (err) {
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

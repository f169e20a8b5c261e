/** Runs the node-pg-migrate SQL migrations in /migrations on either engine. */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runner } from 'node-pg-migrate';
import type { Logger } from '../logger.js';
import type { Db } from './database.js';

/** Folder of the migration files (same relative place from src/ and dist/). */
export const MIGRATIONS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../migrations');

const MIGRATION_LOCK = [0x5744_584d, 0]; // "WDXM"

/** Applies pending migrations (or reverts `count` with direction 'down'); returns the names run. */
export async function migrate(
  db: Db,
  logger: Logger,
  direction: 'up' | 'down' = 'up',
  count = Infinity,
): Promise<string[]> {
  const client = await db.pool.connect();
  try {
    // Processes starting together (server, worker, CLI commands) take turns: node-pg-migrate's own lock
    // fails at once when taken, so wait on ours instead. Migrations themselves may take long.
    await client.query(`SET statement_timeout = 0; SET lock_timeout = '300s'`);
    await client.query('SELECT pg_advisory_lock($1::int4, $2::int4)', MIGRATION_LOCK);
    const ran = await runner({
      dbClient: client,
      noLock: true,
      dir: MIGRATIONS_DIR,
      migrationsTable: 'pgmigrations',
      direction,
      count,
      checkOrder: true,
      log: (msg: string) => logger.debug(msg),
      logger: {
        debug: () => undefined,
        info: (m: string) => logger.debug(m),
        warn: (m: string) => logger.warn(m),
        error: (m: string) => logger.error(m),
      },
    });
    const names = ran.map((m) => m.name);
    if (names.length) logger.info({ migrations: names, direction }, 'migrations applied');
    return names;
  } finally {
    // catch: a lost connection has released the session lock already, and the migration result stands
    await client.query('SELECT pg_advisory_unlock($1::int4, $2::int4)', MIGRATION_LOCK).catch(() => undefined);
    // catch: the same: the session is about to end
    await client.query('RESET statement_timeout; RESET lock_timeout').catch(() => undefined);
    client.release();
  }
}

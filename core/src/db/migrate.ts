/** Runs the node-pg-migrate SQL migrations in /migrations on either engine. */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runner } from 'node-pg-migrate';
import type { Logger } from '../logger.js';
import type { Db } from './database.js';

/** Folder of the migration files (same relative place from src/ and dist/). */
export const MIGRATIONS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../migrations');

/** Applies pending migrations (or reverts `count` with direction 'down'); returns the names run. */
export async function migrate(db: Db, logger: Logger, direction: 'up' | 'down' = 'up', count = Infinity): Promise<string[]> {
  const client = await db.pool.connect();
  try {
    const ran = await runner({
      dbClient: client,
      dir: MIGRATIONS_DIR,
      migrationsTable: 'pgmigrations',
      direction,
      count,
      checkOrder: true,
      log: (msg: string) => logger.debug(msg),
      logger: { debug: () => undefined, info: (m: string) => logger.debug(m), warn: (m: string) => logger.warn(m), error: (m: string) => logger.error(m) },
    });
    const names = ran.map((m) => m.name);
    if (names.length) logger.info({ migrations: names, direction }, 'migrations applied');
    return names;
  } finally {
    client.release();
  }
}

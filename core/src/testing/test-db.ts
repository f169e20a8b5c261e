/**
 * Test support: a fresh, migrated database per call. In-memory PGlite by default; with TEST_DATABASE_URL
 * (CI's real PostgreSQL 17 + pgvector) a throw-away database created on that server and dropped on close.
 */
import crypto from 'node:crypto';
import pg from 'pg';
import { openDatabase, type Db } from '../db/database.js';
import { migrate } from '../db/migrate.js';
import { createLogger, type Logger } from '../logger.js';

export const testLogger: Logger = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent', 'test');

/** Which engine the database tests run on in this process. */
export const testEngine = process.env.TEST_DATABASE_URL ? 'postgres' : 'pglite';

/** Opens a fresh database with every migration applied. */
export async function createTestDb(): Promise<Db> {
  const url = process.env.TEST_DATABASE_URL;
  if (!url) {
    const db = await openDatabase({ dataDir: '', logger: testLogger, embedded: 'memory' });
    await migrate(db, testLogger);
    return db;
  }
  const name = `wdx_t_${crypto.randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const u = new URL(url);
  u.pathname = `/${name}`;
  const db = await openDatabase({ databaseUrl: u.toString(), dataDir: '', logger: testLogger });
  await migrate(db, testLogger);
  return {
    ...db,
    async close() {
      await db.close();
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

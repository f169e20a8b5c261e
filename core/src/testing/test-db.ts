/**
 * Test support: a fresh, migrated database per call, copied from the template that the global setup
 * migrated once (core/src/testing/global-setup.ts), on the run's embedded PostgreSQL or, with
 * TEST_DATABASE_URL, on CI's PostgreSQL 17 + pgvector. Dropped on close.
 */
import crypto from 'node:crypto';
import pg from 'pg';
import { openDatabase, type Db } from '../db/database.js';
import { createLogger, type Logger } from '../logger.js';
import { withDatabase } from './test-db-url.js';

export const testLogger: Logger = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent', 'test');

/** Which engine the database tests run on in this process. */
export const testEngine = process.env.TEST_DATABASE_URL ? 'postgres' : 'embedded';

function server(): { url: string; template: string } {
  const url = process.env.WDX_TEST_SERVER_URL;
  const template = process.env.WDX_TEST_TEMPLATE;
  if (!url || !template)
    throw new Error(
      'the test database server is not set up: run the tests through vitest (vitest.config.ts globalSetup)',
    );
  return { url, template };
}

/** A new empty database copied from the migrated template; returns its URL and a dropper. */
export async function createTestDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const { url, template } = server();
  const name = `wdx_t_${crypto.randomBytes(6).toString('hex')}`;
  // FILE_COPY copies the template's files instead of writing every block through the WAL (the default
  // since PostgreSQL 15): about half the server's CPU per database, and every test file makes several
  await admin(url, `CREATE DATABASE ${name} TEMPLATE ${template} STRATEGY FILE_COPY`);
  return { url: withDatabase(url, name), drop: () => admin(url, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

/** Opens a fresh database with every migration applied. */
export async function createTestDb(): Promise<Db> {
  const { url, drop } = await createTestDatabase();
  const db = await openDatabase({ databaseUrl: url, dataDir: '', logger: testLogger });
  return {
    ...db,
    async close() {
      await db.close();
      await drop();
    },
  };
}

async function admin(url: string, sql: string): Promise<void> {
  // CREATE DATABASE … TEMPLATE fails while another copy of the same template is being made: retry.
  for (let attempt = 0; ; attempt++) {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    try {
      await c.query(sql);
      return;
    } catch (err) {
      if ((err as { code?: string }).code !== '55006' || attempt >= 50) throw err;
    } finally {
      await c.end();
    }
    await new Promise((r) => setTimeout(r, 50 + Math.random() * 100));
  }
}

/**
 * Vitest global setup: one PostgreSQL for the whole test run and a template database migrated once;
 * createTestDb() then copies the template (CREATE DATABASE … TEMPLATE) for each test file.
 * Without TEST_DATABASE_URL (CI's PostgreSQL 17 + pgvector) the server is the embedded one, started in a
 * temporary DATA_DIR exactly as the app starts it, with durability turned off for speed.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { createClusterTemplate, ensureClusterRunning, socketUrl, stopCluster } from '../db/embedded-cluster.js';
import { openDatabase } from '../db/database.js';
import { migrate } from '../db/migrate.js';
import { createLogger } from '../logger.js';
import { withDatabase } from './test-db-url.js';

export default async function setup(): Promise<() => Promise<void>> {
  const logger = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent', 'test-db');
  // One initdb per run: the embedded clusters of the run (this one, and those the tests start on their
  // own DATA_DIR with throwaway clusters, throwaway-clusters.ts) are copies of this pristine one.
  const templateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wdx-test-pgtpl-'));
  const clusterTemplate = await createClusterTemplate(templateDir, logger);
  process.env.WDX_TEST_CLUSTER_TEMPLATE = clusterTemplate;
  let serverUrl = process.env.TEST_DATABASE_URL;
  let stopServer = async () => undefined as void;
  if (!serverUrl) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wdx-test-pg-'));
    const { paths } = await ensureClusterRunning({
      dataDir: dir,
      logger,
      throwaway: true,
      template: clusterTemplate,
      settings: { max_connections: '300' },
    });
    serverUrl = socketUrl(paths, 'postgres');
    stopServer = async () => {
      await stopCluster(paths, logger);
      fs.rmSync(dir, { recursive: true, force: true });
    };
  }
  const template = `wdx_tpl_${crypto.randomBytes(5).toString('hex')}`;
  await adminQuery(serverUrl, `CREATE DATABASE ${template}`);
  const db = await openDatabase({ databaseUrl: withDatabase(serverUrl, template), dataDir: '', logger });
  await migrate(db, logger);
  await db.close();
  process.env.WDX_TEST_SERVER_URL = serverUrl;
  process.env.WDX_TEST_TEMPLATE = template;
  return async () => {
    await adminQuery(serverUrl, `DROP DATABASE IF EXISTS ${template} WITH (FORCE)`).catch(() => undefined);
    await stopServer();
    fs.rmSync(templateDir, { recursive: true, force: true });
  };
}

async function adminQuery(url: string, sql: string): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

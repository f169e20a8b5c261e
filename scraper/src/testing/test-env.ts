/** A fresh in-memory database with migrations, an images folder and the services a sync needs (tests only). */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import type { Db } from '@waifudex/core/db/database';
import { createTestDb } from '@waifudex/core/testing/test-db';
import { createLogger, type Logger } from '@waifudex/core/logger';
import { createIngestService, type IngestService } from '@waifudex/core/services/ingest.service';
import { createSyncApplyService, type SyncApplyService } from '@waifudex/core/services/sync-apply.service';
import { normalizeForSearch } from '@waifudex/core/captions/parse-caption';

export interface TestEnv {
  db: Db;
  logger: Logger;
  imagesDir: string;
  ingest: IngestService;
  apply: SyncApplyService;
  /** Recorded sleeps (ms) of the injected sleep, which returns at once. */
  sleeps: number[];
  sleep: (ms: number) => Promise<void>;
  close(): Promise<void>;
}

export async function createTestEnv(): Promise<TestEnv> {
  const logger = createLogger('silent');
  const db = await createTestDb(); // PGlite, or CI's real PostgreSQL via TEST_DATABASE_URL
  const imagesDir = fs.mkdtempSync(path.join(os.tmpdir(), 'waifudex-sync-'));
  const ingest = createIngestService({ db, imagesDir, logger });
  const apply = createSyncApplyService({
    db,
    parse: (c, ch, e) => ingest.parse(c, ch, e),
    normalize: normalizeForSearch,
  });
  const sleeps: number[] = [];
  return {
    db,
    logger,
    imagesDir,
    ingest,
    apply,
    sleeps,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    async close() {
      await db.close();
      fs.rmSync(imagesDir, { recursive: true, force: true });
    },
  };
}

/** Empties the gallery and sync tables (one database per test file is much faster than one per test). */
export async function resetTestEnv(env: TestEnv): Promise<void> {
  await env.db
    .query(`TRUNCATE channels, characters, artworks, sync_runs, sync_requests, character_changes, telegram_session,
    artwork_image_features, image_index_changes RESTART IDENTITY CASCADE`);
  env.sleeps.length = 0;
  fs.rmSync(env.imagesDir, { recursive: true, force: true });
  fs.mkdirSync(env.imagesDir, { recursive: true });
}

/** Every stored artwork file matches its row's sha256; returns the number checked. */
export async function verifyFiles(env: TestEnv): Promise<number> {
  const rows = await env.db.query<{ file_path: string; sha256: string }>('SELECT file_path, sha256 FROM artworks');
  for (const r of rows.rows) {
    const bytes = fs.readFileSync(path.join(env.imagesDir, r.file_path));
    const sha = crypto.createHash('sha256').update(bytes).digest('hex');
    if (sha !== r.sha256) throw new Error(`${r.file_path} does not match its row`);
  }
  return rows.rows.length;
}

/** Test support: the real app on an ephemeral port over a fresh migrated database. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Router } from 'express';
import { createTestDb, testLogger } from '@waifudex/core/testing/test-db';
import type { Db } from '@waifudex/core/db/database';
import { createAuthService, type AuthService } from '@waifudex/core/services/auth.service';
import { createIngestService, type IngestService } from '@waifudex/core/services/ingest.service';
import { buildApp, type AppDeps } from '../app.js';

export interface TestServer {
  url: string;
  db: Db;
  auth: AuthService;
  ingest: IngestService;
  imagesDir: string;
  close(): Promise<void>;
}

export interface TestServerOptions {
  webDir?: string | null;
  routers?: (deps: { db: Db; imagesDir: string; auth: AuthService }) => Router[];
  /** Overrides of the app's options (trust proxy, limits, CORS …). */
  app?: Partial<Omit<AppDeps, 'db' | 'auth' | 'imagesDir' | 'routers'>>;
}

export async function startTestServer(opts: TestServerOptions = {}): Promise<TestServer> {
  const db = await createTestDb();
  const imagesDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wdx-images-'));
  const auth = createAuthService({ db });
  const ingest = createIngestService({ db, imagesDir, logger: testLogger });
  const app = buildApp({
    db,
    logger: testLogger,
    imagesDir,
    webDir: opts.webDir ?? null,
    version: 'test',
    auth,
    routers: opts.routers?.({ db, imagesDir, auth }) ?? [],
    ...opts.app,
  });
  const server = await new Promise<import('node:http').Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    db,
    auth,
    ingest,
    imagesDir,
    async close() {
      await new Promise((r) => server.close(r));
      await db.close();
      fs.rmSync(imagesDir, { recursive: true, force: true });
    },
  };
}

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createTestDatabase, createTestDb, testLogger } from '../testing/test-db.js';
import { openDatabase } from '../db/database.js';
import type { Db } from '../db/database.js';
import { createAuthService } from './auth.service.js';
import { ensureFirstAdmin } from './first-run.service.js';

let db: Db;
beforeAll(async () => {
  db = await createTestDb();
});
afterAll(() => db?.close());

describe('first-run admin', () => {
  it('replaces an existing world-readable password file with a 0600 one', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wdx-first-run-'));
    const file = path.join(dataDir, 'initial-admin-password.txt');
    fs.writeFileSync(file, 'old contents\n', { mode: 0o644 });
    fs.chmodSync(file, 0o644);
    const auth = createAuthService({ db });
    await ensureFirstAdmin({ auth, logger: testLogger, username: 'admin', password: undefined, dataDir });
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    const password = fs.readFileSync(file, 'utf8').trim();
    expect(password).not.toBe('old contents');
    expect(await auth.login('admin', password)).not.toBeNull();
    expect(fs.readdirSync(dataDir)).toEqual(['initial-admin-password.txt']); // no temp file left
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('replicas starting at once on a fresh database: one admin, one password file, and that password logs in', async () => {
    const fresh = await createTestDatabase();
    // one pool per replica, as separate processes have
    const pools = await Promise.all(
      Array.from({ length: 4 }, () => openDatabase({ databaseUrl: fresh.url, dataDir: '', logger: testLogger })),
    );
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wdx-first-run-'));
    try {
      const results = await Promise.allSettled(
        pools.map((p) =>
          ensureFirstAdmin({
            auth: createAuthService({ db: p }),
            logger: testLogger,
            username: 'admin',
            password: undefined,
            dataDir,
          }),
        ),
      );
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'fulfilled']);
      const auth = createAuthService({ db: pools[0]! });
      expect(await auth.countAdmins()).toBe(1);
      expect(fs.readdirSync(dataDir)).toEqual(['initial-admin-password.txt']);
      const password = fs.readFileSync(path.join(dataDir, 'initial-admin-password.txt'), 'utf8').trim();
      expect(await auth.login('admin', password)).not.toBeNull();
    } finally {
      await Promise.all(pools.map((p) => p.close()));
      await fresh.drop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../db/database.js';
import { createTestDb } from '../testing/test-db.js';
import {
  createTelegramSessionStore,
  decryptSession,
  encryptSession,
  SESSION_KEY_FILE,
  sessionKey,
} from './telegram-session.service.js';

let db: Db;
let dataDir: string;
beforeAll(async () => {
  db = await createTestDb();
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wdx-session-'));
});
afterAll(async () => {
  await db?.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('telegram session at rest', () => {
  it('encrypts with AES-256-GCM and refuses a wrong key', () => {
    const key = sessionKey({ sessionSecret: 'correct horse', dataDir });
    const enc = encryptSession('1BAAOMTQ5LjE1NC4xNjcuNTEBu…secret', key);
    expect(enc).not.toContain('secret');
    expect(decryptSession(enc, key)).toBe('1BAAOMTQ5LjE1NC4xNjcuNTEBu…secret');
    expect(() => decryptSession(enc, sessionKey({ sessionSecret: 'other', dataDir }))).toThrow(/login/);
    expect(encryptSession('x', key)).not.toBe(encryptSession('x', key)); // random IV
  });

  it('generates a 0600 key file when SESSION_SECRET is unset and reuses it', () => {
    const k1 = sessionKey({ dataDir });
    const file = path.join(dataDir, SESSION_KEY_FILE);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(sessionKey({ dataDir }).equals(k1)).toBe(true);
  });

  it('stores the session in the database, encrypted, with its status', async () => {
    const store = createTelegramSessionStore({ db, dataDir });
    expect(await store.load()).toBeNull();
    expect((await store.status()).state).toBe('none');
    await store.save('plain-session-string', '@me');
    const raw = (await db.query('SELECT encrypted FROM telegram_session')).rows[0].encrypted;
    expect(raw).not.toContain('plain-session-string');
    expect(await store.load()).toMatchObject({ session: 'plain-session-string', status: 'ok', accountLabel: '@me' });
    await store.markExpired();
    expect(await store.status()).toMatchObject({
      state: 'expired',
      message: expect.stringContaining('npm run scraper -- login'),
    });
    await store.save('new-session', '@me');
    expect((await store.status()).state).toBe('ok');
  });
});

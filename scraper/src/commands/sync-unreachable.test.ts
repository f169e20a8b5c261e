/**
 * `sync` against a Telegram that cannot be reached, through real GramJS and a real socket: the stored
 * session points at a loopback address where nothing listens (GramJS connects to port 80 of the
 * session's server address). The command must fail with one clear line within the configured timeout,
 * and must not mark the session expired.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalImageStore } from '@waifudex/core/storage/local-image-store';
import { StringSession } from 'telegram/sessions/index.js';
import { AuthKey } from 'telegram/crypto/AuthKey.js';
import { loadConfig } from '@waifudex/core/config/env';
import { createTestEnv, type TestEnv } from '../testing/test-env.js';
import { sessionStoreFor } from '../sync/telegram-connect.js';
import { TelegramUnreachableError } from '../telegram/source.js';
import sync from './sync.command.js';

let env: TestEnv;
let dataDir: string;
beforeAll(async () => {
  env = await createTestEnv();
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sync-unreachable-'));
});
afterAll(async () => {
  await env.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

async function loopbackSession(): Promise<string> {
  const s = new StringSession('');
  s.setDC(2, '127.0.0.1', 80);
  const key = new AuthKey();
  await key.setKey(crypto.randomBytes(256));
  s.setAuthKey(key);
  return s.save();
}

describe('sync against an unreachable Telegram', () => {
  it('exits with "cannot reach Telegram: …" within the timeout and keeps the session', async () => {
    const config = loadConfig({
      TELEGRAM_API_ID: '12345',
      TELEGRAM_API_HASH: 'a'.repeat(32),
      TELEGRAM_CHANNELS: '@fakechan',
      TELEGRAM_TIMEOUT_SECONDS: '4',
      DATA_DIR: dataDir,
      LOG_LEVEL: 'silent',
    });
    const store = sessionStoreFor(config, env.db);
    await store.save(await loopbackSession(), '@tester');
    const silent = new Writable({ write: (_c, _e, cb) => cb() }) as unknown as NodeJS.WriteStream;
    const t0 = Date.now();
    const err = await sync([], {
      config,
      db: env.db,
      logger: env.logger,
      ingest: env.ingest,
      images: createLocalImageStore(env.imagesDir),
      progress: silent,
    }).catch((e) => e);
    const took = Date.now() - t0;
    expect(err).toBeInstanceOf(TelegramUnreachableError);
    expect(err.message).toMatch(/^cannot reach Telegram: /);
    expect(err.message).not.toContain('\n');
    expect(took).toBeLessThan(4000 + 1500);
    expect((await store.status()).state).toBe('ok');
  }, 20_000);
});

/** One live connection per Telegram session: the worker and `sync` share it through a lease, never at once. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createLocalImageStore } from '@waifudex/core/storage/local-image-store';
import { loadConfig, type Config } from '@waifudex/core/config/env';
import { acquireSessionLease, currentSessionLease } from '@waifudex/core/repos/session-lease.repo';
import { claimSyncRequests, finishSyncRequest } from '@waifudex/core/repos/sync-runs.repo';
import { FakeTelegramClient } from '../testing/fake-telegram-client.js';
import type { GramClient } from '../telegram/gramjs-source.js';
import { createTestEnv, resetTestEnv, type TestEnv } from '../testing/test-env.js';
import sync from '../commands/sync.command.js';
import { openTelegramSource, SessionInUseError, sessionStoreFor } from './telegram-connect.js';

let env: TestEnv;
let config: Config;
let dataDir: string;
const fake = () => new FakeTelegramClient() as unknown as GramClient;

beforeAll(async () => {
  env = await createTestEnv();
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'session-lease-'));
  config = loadConfig({
    TELEGRAM_API_ID: '12345',
    TELEGRAM_API_HASH: 'a'.repeat(32),
    TELEGRAM_CHANNELS: '@fakechan',
    DATA_DIR: dataDir,
    TELEGRAM_TIMEOUT_SECONDS: '2',
  });
});
beforeEach(async () => {
  await resetTestEnv(env);
  await sessionStoreFor(config, env.db).save('1stored-session', '@tester');
});
afterEach(async () => {
  await env.db.query('DELETE FROM telegram_session_lease');
});
afterAll(async () => {
  await env.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('Telegram session lease', () => {
  it('a second connection is refused while the first holds the session, and allowed after it closes', async () => {
    const worker = await openTelegramSource(config, env.db, env.logger, {
      lease: { owner: 'w1', kind: 'worker' },
      makeClient: fake,
    });
    const err = await openTelegramSource(config, env.db, env.logger, {
      lease: { owner: 's1', kind: 'sync' },
      makeClient: fake,
    }).catch((e) => e);
    expect(err).toBeInstanceOf(SessionInUseError);
    expect(err.holder).toMatchObject({ owner: 'w1', kind: 'worker' });
    await worker.close!();
    expect(await currentSessionLease(env.db)).toBeNull();
    const second = await openTelegramSource(config, env.db, env.logger, {
      lease: { owner: 's1', kind: 'sync' },
      makeClient: fake,
    });
    await second.close!();
  });

  it('a failed connect releases the lease', async () => {
    const unreachable = () => new FakeTelegramClient({ unreachable: true }) as unknown as GramClient;
    await expect(
      openTelegramSource(config, env.db, env.logger, {
        lease: { owner: 'w1', kind: 'worker' },
        makeClient: unreachable,
      }),
    ).rejects.toThrow(/cannot reach Telegram/);
    expect(await currentSessionLease(env.db)).toBeNull();
  });

  it('the lease of a process that died (no heartbeat) is taken over', async () => {
    expect(await acquireSessionLease(env.db, 'dead', 'worker')).toBe(true);
    await env.db.query(`UPDATE telegram_session_lease SET heartbeat_at = now() - interval '5 minutes'`);
    expect(await acquireSessionLease(env.db, 'alive', 'sync')).toBe(true);
    expect((await currentSessionLease(env.db))!.owner).toBe('alive');
  });

  it('`sync` while the worker is connected queues the sync in the worker and waits for it, without connecting', async () => {
    expect(await acquireSessionLease(env.db, 'the-worker', 'worker')).toBe(true);
    const silent = new Writable({ write: (_c, _e, cb) => cb() }) as unknown as NodeJS.WriteStream;
    let done = false;
    const run = sync([], {
      config,
      db: env.db,
      logger: env.logger,
      ingest: env.ingest,
      images: createLocalImageStore(env.imagesDir),
      progress: silent,
    }).then(() => (done = true));
    // the worker picks the request up and finishes it
    let claimed: Awaited<ReturnType<typeof claimSyncRequests>> = [];
    for (let i = 0; i < 100 && claimed.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 50));
      claimed = await claimSyncRequests(env.db);
    }
    expect(claimed).toHaveLength(1);
    expect(claimed[0]!.requestedBy).toBe('cli');
    expect(done).toBe(false);
    await finishSyncRequest(env.db, claimed[0]!.id, null);
    await run;
    expect(done).toBe(true);
    expect((await currentSessionLease(env.db))!.owner).toBe('the-worker');
  });
});

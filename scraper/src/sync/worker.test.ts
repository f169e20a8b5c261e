import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { requestSync } from '@waifudex/core/repos/sync-runs.repo';
import { upsertChannelByPeer } from '@waifudex/core/repos/channels.repo';
import { FakeSource, photo } from '../telegram/fake-source.js';
import { SessionExpiredError } from '../telegram/source.js';
import { testPng } from '../testing/test-png.js';
import { createTestEnv, resetTestEnv, type TestEnv } from '../testing/test-env.js';
import { createSyncWorker, type SyncWorker } from './worker.js';
import { Api, helpers } from 'telegram';
import { FakeTelegramClient } from '../testing/fake-telegram-client.js';
import { GramjsSource, type GramClient } from '../telegram/gramjs-source.js';

const gramChannel = () =>
  new Api.Channel({
    id: helpers.returnBigInt('1001'),
    accessHash: helpers.returnBigInt('42'),
    title: 'Fake channel',
    username: 'fakechan',
    photo: new Api.ChatPhotoEmpty(),
    date: 1,
    broadcast: true,
  });
const textPost = (id: number) =>
  new Api.Message({
    id,
    peerId: new Api.PeerChannel({ channelId: helpers.returnBigInt('1001') }),
    date: 1_700_000_000 + id,
    message: `post ${id}`,
  });

let env: TestEnv;
let worker: SyncWorker | null = null;
beforeAll(async () => {
  env = await createTestEnv();
});
beforeEach(async () => {
  await resetTestEnv(env);
});
afterEach(async () => {
  await worker?.stop();
  worker = null;
});
afterAll(async () => {
  await env.close();
});

const settings = {
  cron: null,
  live: false,
  channels: ['@fakechan'],
  batchSize: 10,
  concurrency: 2,
  recheckDays: 0,
  pollMs: 20,
  syncOnStart: false,
};

async function waitFor(check: () => Promise<boolean>, ms = 15_000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('timed out');
}
const finished = async () =>
  (await env.db.query('SELECT count(*)::int AS n FROM sync_requests WHERE finished_at IS NOT NULL')).rows[0]
    .n as number;

describe('sync worker', () => {
  it('picks up "sync now" requests from the admin panel', async () => {
    const src = new FakeSource();
    for (let i = 1; i <= 3; i++)
      src.add({ id: i, text: `Character Name: N${i}\nAnime Name: A\nID: ${i}`, media: photo(i), bytes: testPng(i) });
    worker = createSyncWorker(
      {
        db: env.db,
        ingest: env.ingest,
        apply: env.apply,
        logger: env.logger,
        sleep: env.sleep,
        connect: async () => src,
      },
      settings,
    );
    await worker.start();
    await requestSync(env.db, null, 'admin');
    await waitFor(async () => (await finished()) === 1);
    const r = await env.db.query('SELECT error FROM sync_requests');
    expect(r.rows[0].error).toBeNull();
    expect((await env.db.query('SELECT count(*)::int AS n FROM artworks')).rows[0].n).toBe(3);
    const runs = await env.db.query(`SELECT status, kind FROM sync_runs`);
    expect(runs.rows).toEqual([{ status: 'ok', kind: 'sync' }]);
  });

  it('reports an expired session once, keeps running, and reconnects after a new login', async () => {
    const src = new FakeSource();
    src.add({ id: 1, text: 'Character Name: N\nAnime Name: A\nID: 1', media: photo(1), bytes: testPng(1) });
    let version = 'v1';
    let connects = 0;
    let marked = 0;
    worker = createSyncWorker(
      {
        db: env.db,
        ingest: env.ingest,
        apply: env.apply,
        logger: env.logger,
        sleep: env.sleep,
        connect: async () => {
          connects++;
          if (version === 'v1') throw new SessionExpiredError('AUTH_KEY_UNREGISTERED');
          return src;
        },
        markSessionExpired: async () => {
          marked++;
        },
        sessionVersion: async () => version,
      },
      settings,
    );
    await worker.start();
    await requestSync(env.db, null, 'admin');
    await waitFor(async () => (await finished()) === 1);
    await requestSync(env.db, null, 'admin');
    await waitFor(async () => (await finished()) === 2);
    const errors = (await env.db.query('SELECT error FROM sync_requests ORDER BY id')).rows.map((r) => r.error);
    expect(errors[0]).toContain('npm run scraper -- login');
    expect(connects).toBe(1); // the rejected session is not retried
    expect(marked).toBe(1);
    version = 'v2'; // someone ran `login` again
    const channel = await upsertChannelByPeer(env.db, { peerId: src.channel.peerId, title: 'x' });
    await requestSync(env.db, channel.id, 'admin');
    await waitFor(async () => (await finished()) === 3);
    expect(connects).toBe(2);
    expect((await env.db.query('SELECT count(*)::int AS n FROM artworks')).rows[0].n).toBe(1);
  });

  it('drops a client whose connection died and connects a new one for the next job', async () => {
    const clients: FakeTelegramClient[] = [];
    worker = createSyncWorker(
      {
        db: env.db,
        ingest: env.ingest,
        apply: env.apply,
        logger: env.logger,
        sleep: env.sleep,
        connect: async () => {
          // the first connection drops right after the session check (GramJS's reconnect failing)
          const fake = new FakeTelegramClient({
            channels: [gramChannel()],
            messages: [textPost(1), textPost(2)],
            ...(clients.length === 0 ? { loseAfter: 1 } : {}),
          });
          clients.push(fake);
          return GramjsSource.connect({ apiId: 1, apiHash: 'x', session: '' }, env.logger, {
            timeoutMs: 100,
            makeClient: () => fake as unknown as GramClient,
          });
        },
      },
      settings,
    );
    await worker.start();
    await requestSync(env.db, null, 'admin');
    await waitFor(async () => (await finished()) === 1);
    await requestSync(env.db, null, 'admin');
    await waitFor(async () => (await finished()) === 2);
    const errors = (await env.db.query('SELECT error FROM sync_requests ORDER BY id')).rows.map((r) => r.error);
    expect(errors[0]).toMatch(/^cannot reach Telegram: /);
    expect(errors[1]).toBeNull();
    expect(clients).toHaveLength(2);
    expect(clients[0]!.destroyed).toBe(true);
    const ch = await env.db.query('SELECT last_message_id FROM channels');
    expect(Number(ch.rows[0].last_message_id)).toBe(2);
  });
});

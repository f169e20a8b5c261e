/**
 * GramjsSource against a client that behaves like GramJS 2.26 on a bad network: connect() resolving
 * false, requests that never settle, RPC errors by name. Nothing here may hang or expire a good session.
 */
import { describe, expect, it } from 'vitest';
import { Api, helpers } from 'telegram';
import { createLogger } from '@waifudex/core/logger';
import { FakeTelegramClient } from '../testing/fake-telegram-client.js';
import { GramjsSource, type GramClient } from './gramjs-source.js';
import { FloodWaitSignal, SessionExpiredError, TelegramUnreachableError } from './source.js';
import { UserError } from '@waifudex/core/errors';

const logger = createLogger('silent', 'test');
const opts = { apiId: 1, apiHash: '0'.repeat(32), session: '' };
const channel = { peerId: '1234', accessHash: '999', title: 'T', username: 't' };
const connectWith = (fake: FakeTelegramClient, timeoutMs = 150) =>
  GramjsSource.connect(opts, logger, { timeoutMs, makeClient: () => fake as unknown as GramClient });

function msg(id: number) {
  return new Api.Message({
    id,
    peerId: new Api.PeerChannel({ channelId: helpers.returnBigInt('1234') }),
    date: 1_700_000_000,
    message: '',
  });
}

describe('connecting to Telegram', () => {
  it('GramJS itself hangs on checkAuthorization after a failed connect (what the source must not rely on)', async () => {
    const fake = new FakeTelegramClient({ unreachable: true });
    expect(await fake.connect()).toBe(false);
    const settled = await Promise.race([
      fake.checkAuthorization().then(() => 'settled'),
      new Promise((r) => setTimeout(() => r('pending'), 100)),
    ]);
    expect(settled).toBe('pending');
  });

  it('a connect() that resolves false is one clear "cannot reach Telegram" error, and the client is destroyed', async () => {
    const fake = new FakeTelegramClient({ unreachable: true });
    const t0 = Date.now();
    const err = await connectWith(fake).catch((e) => e);
    expect(err).toBeInstanceOf(TelegramUnreachableError);
    expect(err.message).toMatch(/^cannot reach Telegram: connection failed/);
    expect(err.message).not.toContain('\n');
    expect(err).toBeInstanceOf(UserError);
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(fake.destroyed).toBe(true);
  });

  it('a session check that never answers times out as unreachable, not as an expired session', async () => {
    const fake = new FakeTelegramClient({ hangRequests: true });
    const err = await connectWith(fake, 120).catch((e) => e);
    expect(err).toBeInstanceOf(TelegramUnreachableError);
    expect(err).not.toBeInstanceOf(SessionExpiredError);
    expect(err.message).toBe('cannot reach Telegram: no answer to the session check within 120 ms');
  });

  it('a FloodWait on the session check is a FloodWait, not an expired session', async () => {
    const fake = new FakeTelegramClient().rpcError('updates.GetState', 'FLOOD_WAIT_30', 420);
    const err = await connectWith(fake).catch((e) => e);
    expect(err).toBeInstanceOf(FloodWaitSignal);
    expect(err.seconds).toBe(30);
  });

  it.each([
    ['AUTH_KEY_UNREGISTERED', 401],
    ['SESSION_REVOKED', 401],
    ['USER_DEACTIVATED', 401],
    ['AUTH_KEY_PERM_EMPTY', 401],
  ])('%s expires the session', async (name, code) => {
    const fake = new FakeTelegramClient().rpcError('updates.GetState', name, code);
    await expect(connectWith(fake)).rejects.toBeInstanceOf(SessionExpiredError);
  });

  it.each([
    ['RPC_CALL_FAIL', 500],
    ['INTERDC_2_CALL_ERROR', 500],
    ['MSG_WAIT_TIMEOUT', 400],
  ])('%s is not a reason to log in again', async (name, code) => {
    const fake = new FakeTelegramClient().rpcError('updates.GetState', name, code);
    const err = await connectWith(fake).catch((e) => e);
    expect(err).not.toBeInstanceOf(SessionExpiredError);
  });

  it('a healthy connect returns a live source', async () => {
    const fake = new FakeTelegramClient({ messages: [msg(1), msg(2)] });
    const src = await connectWith(fake);
    expect(src.isAlive()).toBe(true);
    expect((await src.fetchBatch(channel, { minId: 0, limit: 10 })).map((m) => m.id)).toEqual([1, 2]);
    expect(fake.invoked[0]).toBe('updates.GetState');
  });
});

describe('a connection lost mid-session', () => {
  it('times the hanging request out, marks the source dead, and fails later calls at once', async () => {
    const fake = new FakeTelegramClient({ messages: [msg(1)] });
    const src = await connectWith(fake, 100);
    fake.loseConnection();
    const err = await src.fetchBatch(channel, { minId: 0, limit: 10 }).catch((e) => e);
    expect(err).toBeInstanceOf(TelegramUnreachableError);
    expect(err.message).toBe('cannot reach Telegram: no answer to get history within 100 ms');
    expect(src.isAlive()).toBe(false);
    const t0 = Date.now();
    await expect(src.getMessages(channel, [1])).rejects.toBeInstanceOf(TelegramUnreachableError);
    expect(Date.now() - t0).toBeLessThan(50);
  });

  it('a download that stalls gets 4× the request deadline, then fails as unreachable', async () => {
    const fake = new FakeTelegramClient({ messages: [msg(1)] });
    const src = await connectWith(fake, 50);
    const [m] = await src.getMessages(channel, [1]);
    fake.loseConnection();
    const t0 = Date.now();
    const err = await src
      .download(channel, {
        ...m!,
        media: { kind: 'photo', photoId: '1', sizeType: 'x', width: 1, height: 1, bytes: 10 },
      })
      .catch((e) => e);
    expect(err).toBeInstanceOf(TelegramUnreachableError);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(190);
  });

  it('"Cannot send requests while disconnected" (after GramJS gave up) kills the source too', async () => {
    const fake = new FakeTelegramClient({ messages: [msg(1)] });
    const src = await connectWith(fake);
    await fake.destroy();
    await expect(src.fetchBatch(channel, { minId: 0, limit: 1 })).rejects.toBeInstanceOf(TelegramUnreachableError);
    expect(src.isAlive()).toBe(false);
  });

  it('media declared over the size limit is refused before any download request', async () => {
    const fake = new FakeTelegramClient({ messages: [msg(1)] });
    const src = new GramjsSource(fake as unknown as GramClient, logger, { timeoutMs: 100, maxDownloadBytes: 1000 });
    await fake.connect();
    const err = await src
      .download(channel, {
        id: 1,
        date: new Date(),
        editDate: null,
        groupedId: null,
        text: '',
        entities: [],
        media: { kind: 'image_document', documentId: '1', mime: 'image/png', fileName: null, bytes: 5000 },
      })
      .catch((e) => e);
    expect(err.name).toBe('MediaTooLargeError');
    expect(fake.invoked).toEqual([]);
  });
});

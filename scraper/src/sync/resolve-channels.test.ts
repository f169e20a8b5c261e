/** Resolving channels: failures are remembered (no dialog walk per cron run), long FloodWaits are not slept. */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Api, helpers } from 'telegram';
import { createLogger } from '@waifudex/core/logger';
import { FakeSource } from '../telegram/fake-source.js';
import { FakeTelegramClient } from '../testing/fake-telegram-client.js';
import { GramjsSource, type GramClient } from '../telegram/gramjs-source.js';
import { ChannelUnavailableError, FloodWaitSignal } from '../telegram/source.js';
import { createTestEnv, resetTestEnv, type TestEnv } from '../testing/test-env.js';
import { resolveTargets } from './telegram-sync.js';

let env: TestEnv;
beforeAll(async () => {
  env = await createTestEnv();
});
beforeEach(async () => {
  await resetTestEnv(env);
});
afterEach(async () => {
  await env.db.query('DELETE FROM channel_resolve_failures');
});
afterAll(async () => {
  await env.close();
});

const resolve = (src: FakeSource, refs: string[], only: string | null = null) =>
  resolveTargets({ db: env.db, source: src, logger: env.logger, sleep: env.sleep }, refs, only);
const resolveCalls = (src: FakeSource) => src.calls.filter((c) => c.op === 'resolve').length;

describe('resolving channels', () => {
  it('remembers a numeric id that is not among the account chats instead of walking the dialogs every run', async () => {
    const src = new FakeSource().fail({
      op: 'resolve',
      times: Infinity,
      error: () =>
        new ChannelUnavailableError("channel -1009999 is not among the logged-in account's chats: join it first"),
    });
    const first = await resolve(src, ['-1009999']);
    expect(first.errors[0]!.error).toMatch(/not among/);
    expect(resolveCalls(src)).toBe(1);
    const second = await resolve(src, ['-1009999']);
    expect(resolveCalls(src)).toBe(1);
    expect(second.errors[0]!.error).toMatch(/not tried again before/);
    // an explicit `sync --channel` tries again at once
    await resolve(src, ['-1009999'], '-1009999');
    expect(resolveCalls(src)).toBe(2);
  });

  it('sleeps a short FloodWait while resolving; a long one is remembered for its length, not slept', async () => {
    const short = new FakeSource().floodWait('resolve', 20, 1);
    expect((await resolve(short, ['@fakechan'])).targets).toHaveLength(1);
    expect(env.sleeps).toContain(20_000);

    await resetTestEnv(env);
    const long = new FakeSource({ peerId: '2002', username: 'slowchan' }).fail({
      op: 'resolve',
      times: 1,
      error: () => new FloodWaitSignal(40_000),
    });
    const r = await resolve(long, ['@slowchan']);
    expect(r.targets).toHaveLength(0);
    expect(r.errors[0]!.error).toMatch(/40000 s/);
    expect(env.sleeps.some((ms) => ms >= 40_000_000)).toBe(false);
    const row = (
      await env.db.query(`SELECT extract(epoch FROM retry_at - failed_at)::int AS s FROM channel_resolve_failures`)
    ).rows[0];
    expect(row.s).toBe(40_000);
    await resolve(long, ['@slowchan']);
    expect(resolveCalls(long)).toBe(1);
  });
});

describe('GramjsSource.resolveChannel', () => {
  const logger = createLogger('silent', 'test');
  const channel = (id: string, o: Partial<ConstructorParameters<typeof Api.Channel>[0]> = {}) =>
    new Api.Channel({
      id: helpers.returnBigInt(id),
      accessHash: helpers.returnBigInt('7'),
      title: `ch ${id}`,
      photo: new Api.ChatPhotoEmpty(),
      date: 1,
      ...o,
    });

  it('takes the peer that was resolved, not the first channel in the response', async () => {
    // the response also lists the channel's linked discussion group first
    const fake = new FakeTelegramClient({
      channels: [
        channel('111', { megagroup: true, username: 'group' }),
        channel('222', { broadcast: true, username: 'target' }),
      ],
    });
    await fake.connect();
    const fakeResolve = fake.invoke.bind(fake);
    fake.invoke = async (req: { className: string }) => {
      const r = (await fakeResolve(req)) as Api.contacts.ResolvedPeer;
      return new Api.contacts.ResolvedPeer({
        peer: new Api.PeerChannel({ channelId: helpers.returnBigInt('222') }),
        chats: r.chats,
        users: [],
      });
    };
    const src = new GramjsSource(fake as unknown as GramClient, logger, { timeoutMs: 500 });
    expect((await src.resolveChannel('@target')).peerId).toBe('222');
  });

  it('counts collectible usernames (usernames[] without username)', async () => {
    const fake = new FakeTelegramClient({
      channels: [
        channel('333', { broadcast: true, usernames: [new Api.Username({ username: 'fragmentname', active: true })] }),
      ],
    });
    await fake.connect();
    const src = new GramjsSource(fake as unknown as GramClient, logger, { timeoutMs: 500 });
    expect(await src.resolveChannel('@fragmentname')).toMatchObject({ peerId: '333', username: 'fragmentname' });
  });
});

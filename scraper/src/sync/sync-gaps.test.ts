/** A message that keeps failing is a gap: progress moves past it, later runs fetch it again by id. */
import { describe, expect, it } from 'vitest';
import { findChannelById } from '@waifudex/core/repos/channels.repo';
import { findRunById } from '@waifudex/core/repos/sync-runs.repo';
import { listGaps } from '@waifudex/core/repos/sync-gaps.repo';
import { FakeSource, photo } from '../telegram/fake-source.js';
import { FloodWaitSignal } from '../telegram/source.js';
import { testPng } from '../testing/test-png.js';
import { cap, settings, useSyncTestEnv } from '../testing/sync-helpers.js';
import { type TestEnv } from '../testing/test-env.js';
import { syncTelegramChannel } from './telegram-sync.js';

let env: TestEnv;
const { target, deps, q } = useSyncTestEnv((e) => (env = e));
const makeDue = () => q(`UPDATE sync_gaps SET next_attempt_at = now() - interval '1 second'`);

function channelOf(n: number) {
  const src = new FakeSource();
  for (let i = 1; i <= n; i++)
    src.add({ id: i, text: cap(`Name ${i}`, 'Anime', String(100 + i)), media: photo(i), bytes: testPng(i) });
  return src;
}

describe('sync gaps', () => {
  it('keeps a message whose download failed every attempt, and a later run stores it', async () => {
    const src = channelOf(5);
    src.networkError('download', 4, 3); // the run's 4 attempts all fail
    const t = await target(src);
    const r1 = await syncTelegramChannel(deps(src), t, settings);
    expect(r1.status).toBe('ok');
    expect(r1.counts.failed).toBe(1);
    expect(r1.counts.gapsOpen).toBe(1);
    expect((await findChannelById(env.db, t.channel.id))!.lastMessageId).toBe(5); // progress past the gap is fine
    const [gap] = await listGaps(env.db, t.channel.id);
    expect(gap).toMatchObject({ messageId: 3, reason: 'network', attempts: 1 });
    expect(gap!.lastError).toContain('ECONNRESET');
    const wait = Date.parse(gap!.nextAttemptAt) - Date.parse(gap!.lastAttemptAt!);
    expect(wait).toBeGreaterThanOrEqual(9.9 * 60_000);
    expect(wait).toBeLessThanOrEqual(10.1 * 60_000);

    // not due yet: the next run leaves it alone
    const r2 = await syncTelegramChannel(deps(src), t, settings);
    expect(r2.counts.gapsOpen).toBe(1);
    expect((await listGaps(env.db, t.channel.id))[0]!.attempts).toBe(1);
    expect(r2.counts.gapsFilled ?? 0).toBe(0);

    await makeDue();
    const r3 = await syncTelegramChannel(deps(src), t, settings);
    expect(r3.status).toBe('ok');
    expect(r3.counts.gapsFilled).toBe(1);
    expect(r3.counts.gapsOpen).toBe(0);
    expect(await listGaps(env.db, t.channel.id)).toEqual([]);
    const stored = await q(`SELECT message_id::int AS m FROM artworks ORDER BY message_id`);
    expect(stored.map((s) => s.m)).toEqual([1, 2, 3, 4, 5]);
    const run = await findRunById(env.db, r3.runId!);
    expect(run!.counts).toMatchObject({ gapsFilled: 1, gapsOpen: 0 });
  });

  it('backs off longer after each failed retry, and never loses the gap', async () => {
    const src = channelOf(2);
    src.networkError('download', Infinity, 2);
    const t = await target(src);
    await syncTelegramChannel(deps(src), t, settings);
    for (let i = 0; i < 3; i++) {
      await makeDue();
      await syncTelegramChannel(deps(src), t, settings);
    }
    const [gap] = await listGaps(env.db, t.channel.id);
    expect(gap!.attempts).toBe(4);
    const wait = Date.parse(gap!.nextAttemptAt) - Date.parse(gap!.lastAttemptAt!);
    expect(Math.round(wait / 60_000)).toBe(80); // 10, 20, 40, 80 minutes
  });

  it('a FloodWait that never ends mid-batch is a flood_wait gap; a gap deleted on Telegram is closed', async () => {
    const src = channelOf(4);
    src.fail({ op: 'download', messageId: 2, times: 11, error: () => new FloodWaitSignal(1) });
    src.networkError('download', 4, 4);
    const t = await target(src);
    const r = await syncTelegramChannel(deps(src), t, settings);
    expect(r.counts.gapsOpen).toBe(2);
    expect((await listGaps(env.db, t.channel.id)).map((g) => [g.messageId, g.reason])).toEqual([
      [2, 'flood_wait'],
      [4, 'network'],
    ]);
    src.delete(4);
    await makeDue();
    const r2 = await syncTelegramChannel(deps(src), t, settings);
    expect(r2.counts.gapsFilled).toBe(2);
    expect(r2.counts.gapsOpen).toBe(0);
    expect((await q(`SELECT message_id::int AS m FROM artworks ORDER BY message_id`)).map((s) => s.m)).toEqual([
      1, 2, 3,
    ]);
  });
});

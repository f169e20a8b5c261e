import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saveTelegramSessionRow } from '@waifudex/core/repos/telegram-session.repo';
import { createSyncApplyService } from '@waifudex/core/services/sync-apply.service';
import { normalizeForSearch } from '@waifudex/core/captions/parse-caption';
import { testLogger } from '@waifudex/core/testing/test-db';
import { startTestServer, type TestServer } from '../testing/test-server.js';
import { signedInAdmin } from '../testing/admin-session.js';
import { createSyncEventHub } from '../sync-events.js';
import { loadSyncStatus, type SyncStatus } from '../sync-status.js';
import { syncRoutes } from './sync.routes.js';
// The worker of the scraper package against its fake Telegram source: it only writes the database,
// so everything the stream shows went through sync_runs and NOTIFY, as it does across processes.
import { createSyncWorker } from '../../../scraper/src/sync/worker.js';
import { FakeSource, photo } from '../../../scraper/src/telegram/fake-source.js';
import { testPng } from '../../../scraper/src/testing/test-png.js';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer({
    routers: ({ db }) => {
      const load = () => loadSyncStatus(db, { cron: '*/30 * * * *' });
      // a poll far longer than the test: updates can only come from NOTIFY
      const hub = createSyncEventHub({ db, logger: testLogger, load, pollMs: 600_000, debounceMs: 20 });
      return [syncRoutes({ db, requireAdmin: signedInAdmin, cron: '*/30 * * * *', hub })];
    },
  });
});
afterAll(async () => s?.close());

/** Reads `event: status` messages of the stream until `until` holds for one (or the time runs out). */
async function readEvents(until: (st: SyncStatus) => boolean, ms: number, onOpen?: () => Promise<void>) {
  const ctrl = new AbortController();
  const res = await fetch(`${s.url}/api/v1/admin/sync/events`, { signal: ctrl.signal });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  const seen: SyncStatus[] = [];
  const timer = setTimeout(() => ctrl.abort(), ms);
  let buf = '';
  let opened = false;
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buf += value;
      let i: number;
      while ((i = buf.indexOf('\n\n')) >= 0) {
        const block = buf.slice(0, i);
        buf = buf.slice(i + 2);
        const data = block.split('\n').find((l) => l.startsWith('data: '));
        if (!block.includes('event: status') || !data) continue;
        const st = JSON.parse(data.slice(6)) as SyncStatus;
        seen.push(st);
        if (!opened) {
          opened = true;
          await onOpen?.();
        }
        if (until(st)) return seen;
      }
    }
  } catch (err) {
    if (!ctrl.signal.aborted) throw err;
  } finally {
    clearTimeout(timer);
    ctrl.abort();
  }
  return seen;
}

describe('sync control', () => {
  it('"sync now" is refused with the reason when there is no session or no channel', async () => {
    let st = (await (await fetch(`${s.url}/api/v1/admin/sync`)).json()) as SyncStatus;
    expect(st.can_sync).toEqual({ ok: false, reason: expect.stringMatching(/No Telegram session/) });
    expect(Date.parse(st.next_run_at!)).toBeGreaterThan(Date.now());
    const post = () =>
      fetch(`${s.url}/api/v1/admin/sync`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
    let res = await post();
    expect(res.status).toBe(409);
    expect((await res.json()).error).toMatchObject({ code: 'cannot_sync', message: expect.stringMatching(/log in/) });
    await saveTelegramSessionRow(s.db, 'not-a-real-session', 'test account');
    st = (await (await fetch(`${s.url}/api/v1/admin/sync`)).json()) as SyncStatus;
    expect(st.can_sync.reason).toMatch(/No Telegram channel/);
    res = await post();
    expect(res.status).toBe(409);
    expect((await s.db.query('SELECT count(*)::int AS n FROM sync_requests')).rows[0].n).toBe(0);
  });

  it('streams live progress of a sync run by the worker: counts, skipped by reason, FloodWait, then the finished run in the history', async () => {
    const src = new FakeSource();
    for (let i = 1; i <= 6; i++)
      src.add({ id: i, text: `Character Name: N${i}\nAnime Name: A\nID: ${i}`, media: photo(i), bytes: testPng(i) });
    src.add({ id: 7, text: 'a sticker', media: { kind: 'skip', reason: 'sticker' } });
    src.floodWait('fetch', 2, 1);
    const ingest = s.ingest;
    const apply = createSyncApplyService({
      db: s.db,
      parse: (c, ch, e) => ingest.parse(c, ch, e),
      normalize: normalizeForSearch,
    });
    // FloodWaits sleep for real (briefly), so the stream can show the wait
    const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, Math.min(ms, 600)));
    const worker = createSyncWorker(
      { db: s.db, ingest, apply, logger: testLogger, sleep, connect: async () => src },
      {
        cron: null,
        live: false,
        channels: ['@fakechan'],
        batchSize: 3,
        concurrency: 1,
        recheckDays: 0,
        pollMs: 50,
        syncOnStart: true,
        publishIntervalMs: 0,
      },
    );
    try {
      const events = await readEvents(
        (st) => st.history[0]?.status === 'ok' && !st.channels.some((c) => c.running),
        30_000,
        () => worker.start(),
      );
      const running = events.flatMap((e) => e.channels.map((c) => c.running).filter((r) => r !== null));
      expect(running.length).toBeGreaterThan(1);
      expect(running.some((r) => r!.counts.waitingUntil)).toBe(true);
      // counts only grow while the run goes on
      const scanned = running.map((r) => r!.counts.scanned);
      expect(scanned).toEqual([...scanned].sort((a, b) => a - b));
      const last = events.at(-1)!;
      expect(last.history[0]).toMatchObject({
        status: 'ok',
        channel_title: 'Fake channel',
        counts: { scanned: 7, new: 6, skipped: { sticker: 1 } },
      });
      expect(last.history[0]!.counts.floodWaitSeconds).toBe(2);
      expect(last.can_sync.ok).toBe(true);
    } finally {
      await worker.stop();
    }
  });
});

/**
 * The sync panel service on a migrated database: why "sync now" cannot work (no session, an expired
 * one, no channel), the time left of a running run, the next scheduled run, and the request it queues.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../db/database.js';
import { createTestDb } from '../testing/test-db.js';
import { emptyCounts, startRun, updateRunProgress } from '../repos/sync-runs.repo.js';
import { insertChannelRef } from '../repos/channels.repo.js';
import { markTelegramSessionExpired, saveTelegramSessionRow } from '../repos/telegram-session.repo.js';
import { createSyncAdminService } from './sync-admin.service.js';

describe('sync admin service', () => {
  let db: Db;
  beforeAll(async () => {
    db = await createTestDb();
  });
  afterAll(async () => {
    await db?.close();
  });

  it('says why "sync now" cannot work, and refuses it with that reason (409) until it can', async () => {
    const sync = createSyncAdminService({ db });
    const reason = async () => (await sync.status()).canSync.reason;
    expect(await reason()).toMatch(/No Telegram session yet/);
    expect((await sync.status()).session).toMatchObject({ state: 'none', updatedAt: null });
    await expect(sync.requestSync(null, 'admin')).rejects.toMatchObject({ status: 409, code: 'cannot_sync' });

    await saveTelegramSessionRow(db, 'ciphertext', 'Reader');
    expect(await reason()).toMatch(/No Telegram channel to sync/);
    const channel = await insertChannelRef(db, '@waifu_drops');
    expect(await sync.status()).toMatchObject({ canSync: { ok: true, reason: null }, session: { account: 'Reader' } });

    await expect(sync.requestSync('999999', 'admin')).rejects.toMatchObject({ status: 404 });
    const req = await sync.requestSync(channel.id, 'admin');
    expect(req).toMatchObject({ channelId: channel.id, requestedBy: 'admin' });
    expect((await sync.requestSync(channel.id, 'someone else')).id).toBe(req.id); // a pending one is reused
    expect((await sync.status()).pendingRequests).toBe(1);

    await markTelegramSessionExpired(db, 'revoked');
    expect(await reason()).toBe('The Telegram session is expired: log in again.');
  });

  it('a running run gets its time left at the pace so far; the schedule its next run', async () => {
    const [channel] = (await createSyncAdminService({ db }).status()).channels;
    const run = await startRun(db, channel!.channel.id, 'sync');
    await updateRunProgress(db, run.id, { ...emptyCounts(), scanned: 100, remaining: 300 });
    const started = Date.parse(run.startedAt);
    const sync = createSyncAdminService({ db, cron: '0 * * * *', now: () => new Date(started + 50_000) });
    const s = await sync.status();
    // 100 messages in 50 s → 300 more take 150 s
    expect(s.channels[0]!.running).toMatchObject({ id: run.id, etaSeconds: 150 });
    expect(s.history[0]).toMatchObject({ id: run.id, etaSeconds: 150, channelTitle: '@waifu_drops' });
    expect(s.schedule).toBe('0 * * * *');
    const next = new Date(started + 50_000);
    next.setMinutes(60, 0, 0);
    expect(s.nextRunAt).toBe(next.toISOString());
    expect((await createSyncAdminService({ db }).status()).nextRunAt).toBeNull();
  });
});

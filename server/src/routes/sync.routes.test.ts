import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { upsertChannelByPeer } from '@waifudex/core/repos/channels.repo';
import {
  claimSyncRequests,
  finishRun,
  startRun,
  updateRunProgress,
  emptyCounts,
} from '@waifudex/core/repos/sync-runs.repo';
import { saveTelegramSessionRow } from '@waifudex/core/repos/telegram-session.repo';
import { startTestServer, type TestServer } from '../testing/test-server.js';
import { signedInAdmin } from '../testing/admin-session.js';
import { syncRoutes } from './sync.routes.js';

let s: TestServer;
let channelId: string;
beforeAll(async () => {
  s = await startTestServer({ routers: ({ db }) => [syncRoutes({ db, requireAdmin: signedInAdmin })] });
  channelId = (await upsertChannelByPeer(s.db, { peerId: '1234', title: 'Waifu Cards', username: 'waifucards' })).id;
});
afterAll(async () => s?.close());

const call = (method: string, body?: unknown) =>
  fetch(`${s.url}/api/v1/admin/sync`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });

describe('admin sync routes', () => {
  it('lists channels with their last and running runs', async () => {
    const done = await startRun(s.db, channelId, 'sync');
    await finishRun(s.db, done.id, 'ok', { ...emptyCounts(), scanned: 10, new: 7, skipped: { video: 3 } }, null);
    const running = await startRun(s.db, channelId, 'sync');
    await updateRunProgress(s.db, running.id, { ...emptyCounts(), scanned: 4, downloaded: 2 }, [
      { messageId: 9, error: 'boom', at: new Date().toISOString() },
    ]);
    const res = await call('GET');
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.telegram_session.state).toBe('none');
    expect(body.channels).toHaveLength(1);
    const c = body.channels[0];
    expect(c).toMatchObject({ id: channelId, title: 'Waifu Cards', username: 'waifucards', last_message_id: 0 });
    expect(c.running).toMatchObject({
      id: running.id,
      status: 'running',
      counts: { scanned: 4, downloaded: 2 },
      errors: [{ messageId: 9, error: 'boom' }],
    });
    expect(c.last_run.id).toBe(running.id);
    await finishRun(s.db, running.id, 'ok', emptyCounts(), null);
    const after = (await (await call('GET')).json()).channels[0];
    expect(after.running).toBeNull();
    expect(after.last_run.status).toBe('ok');
  });

  it('queues "sync now" requests for the worker (202) and validates the channel', async () => {
    await saveTelegramSessionRow(s.db, 'encrypted', 'test account');
    const one = await call('POST', { channel_id: channelId });
    expect(one.status).toBe(202);
    const body = await one.json();
    expect(body.request).toMatchObject({ channel_id: channelId });
    // a second click while pending reuses the request
    expect((await (await call('POST', { channel_id: Number(channelId) })).json()).request.id).toBe(body.request.id);
    expect((await call('POST', {})).status).toBe(202);
    expect((await call('POST', { channel_id: '999999' })).status).toBe(404);
    expect((await call('POST', { channel_id: 'abc' })).status).toBe(400);
    expect((await (await call('GET')).json()).pending_requests).toBe(2);
    const claimed = await claimSyncRequests(s.db);
    expect(claimed.map((r) => r.channelId)).toEqual([channelId, null]);
    expect(await claimSyncRequests(s.db)).toEqual([]);
  });
});

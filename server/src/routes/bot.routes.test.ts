import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RequestHandler } from 'express';
import { upsertBotChat, updateBotChatAutoCatcher } from '@waifudex/core/repos/bot-chats.repo';
import { insertBotSubscription } from '@waifudex/core/repos/bot-subscriptions.repo';
import { markBotStarted } from '@waifudex/core/repos/bot-state.repo';
import { startTestServer, type TestServer } from '../testing/test-server.js';
import { signedInAdmin } from '../testing/admin-session.js';
import { botRoutes } from './bot.routes.js';

const refuse: RequestHandler = (_req, res) =>
  void res.status(401).json({ error: { code: 'unauthorized', message: 'login required' } });

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer({
    routers: ({ db }) => [botRoutes({ db, requireAdmin: signedInAdmin, configured: true })],
  });
});
afterAll(async () => s?.close());

const status = async () => (await fetch(`${s.url}/api/v1/admin/bot`)).json();
const put = (body: unknown) =>
  fetch(`${s.url}/api/v1/admin/bot/settings`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

describe('admin bot routes', () => {
  it('shows status, groups and subscriber counts', async () => {
    expect(await status()).toMatchObject({
      configured: true,
      running: false,
      username: null,
      settings: { enabled: true, allow_list: [] },
      groups: [],
    });
    await markBotStarted(s.db, 'waifudex_bot', 'polling');
    await upsertBotChat(s.db, { chatId: -1001234567890, kind: 'supergroup', title: 'Catchers' });
    await updateBotChatAutoCatcher(s.db, -1001234567890, 'waifucatcherbot');
    await upsertBotChat(s.db, { chatId: 42, kind: 'private', title: 'Alice' });
    await upsertBotChat(s.db, { chatId: -5, kind: 'group', title: 'Left group', member: false });
    await insertBotSubscription(s.db, 42, 'all', '');
    await insertBotSubscription(s.db, 42, 'anime', 'Genshin Impact');
    await insertBotSubscription(s.db, -1001234567890, 'rarity', 'Legendary');
    const b = await status();
    expect(b).toMatchObject({
      running: true,
      username: 'waifudex_bot',
      mode: 'polling',
      chats: { private: 1, groups: 1 },
    });
    expect(b.subscribers).toEqual({ chats: 2, subscriptions: 3, by_kind: { all: 1, anime: 1, rarity: 1 } });
    expect(b.groups).toEqual([
      expect.objectContaining({ chat_id: '-1001234567890', title: 'Catchers', auto_catcher: 'waifucatcherbot' }),
    ]);
  });

  it('turns the bot off and sets the allow-list; bad input is a 400 that changes nothing', async () => {
    const off = await put({ enabled: false, allow_list: ['123456789', -1001234567890] });
    expect(off.status).toBe(200);
    expect((await off.json()).settings).toEqual({ enabled: false, allow_list: ['123456789', '-1001234567890'] });
    for (const bad of [
      { enabled: 'no' },
      { allow_list: ['@alice'] },
      { allow_list: ['99999999999999999999'] },
      { allow_list: [2 ** 60] },
      { other: 1 },
    ]) {
      expect((await put(bad)).status).toBe(400);
    }
    expect((await status()).settings).toEqual({ enabled: false, allow_list: ['123456789', '-1001234567890'] });
    expect((await (await put({ enabled: true, allow_list: [] })).json()).settings).toEqual({
      enabled: true,
      allow_list: [],
    });
  });

  it('requires an admin', async () => {
    const t = await startTestServer({
      routers: ({ db }) => [botRoutes({ db, requireAdmin: refuse, configured: false })],
    });
    try {
      expect((await fetch(`${t.url}/api/v1/admin/bot`)).status).toBe(401);
      expect((await fetch(`${t.url}/api/v1/admin/bot/settings`, { method: 'PUT' })).status).toBe(401);
    } finally {
      await t.close();
    }
  });
});

import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  createTelegramSessionStore,
  type TelegramSessionStore,
} from '@waifudex/core/services/telegram-session.service';
import { createTelegramLoginService, type LoginDriver } from '@waifudex/core/services/telegram-login.service';
import { startTestServer, type TestServer } from '../testing/test-server.js';
import { signedInAdmin } from '../testing/admin-session.js';
import { telegramRoutes } from './telegram.routes.js';
// The scraper's real driver (its GramJS sign-in flow) against a fake of Telegram's auth endpoint.
import { createLoginDriver } from '../../../scraper/src/telegram/browser-login-driver.js';
import { fakeAuthClient, type FakeAuthAccount } from '../../../scraper/src/testing/fake-telegram-auth.js';

let s: TestServer;
let store: TelegramSessionStore;
let account: FakeAuthAccount;
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wdx-tg-'));
beforeAll(async () => {
  s = await startTestServer({
    routers: ({ db }) => {
      store = createTelegramSessionStore({ db, dataDir });
      const driver: LoginDriver = createLoginDriver({
        apiId: 1,
        apiHash: 'x',
        timeoutMs: 2000,
        makeClient: () => fakeAuthClient(account),
      });
      const login = createTelegramLoginService({ driver, store, waitMs: 5000 });
      return [telegramRoutes({ db, requireAdmin: signedInAdmin, store, login, configured: true })];
    },
  });
});
beforeEach(async () => {
  account = { phone: '+4915112345678', code: '12345', password: 'hunter2', hint: 'cat', username: 'robin_fan' };
  await fetch(`${s.url}/api/v1/admin/telegram/logout`, { method: 'POST' });
});
afterAll(async () => {
  await s?.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

const post = async (p: string, body: unknown) => {
  const res = await fetch(`${s.url}/api/v1/admin/telegram${p}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
};
const status = async () => (await fetch(`${s.url}/api/v1/admin/telegram`)).json();

describe('Telegram login from the browser', () => {
  it('phone → wrong code → code → 2FA password (wrong, then right): the session is stored encrypted and never shown', async () => {
    let r = await post('/login', { method: 'phone' });
    expect(r.status).toBe(202);
    expect(r.body).toMatchObject({ method: 'phone', step: 'phone' });
    const id = r.body.id;
    r = await post('/login/answer', { id, step: 'phone', value: '+49 151 1234 5678' });
    expect(r.body.step).toBe('code');
    r = await post('/login/answer', { id, step: 'code', value: '99999' });
    expect(r.body).toMatchObject({ step: 'code', message: 'Wrong code: try again.' });
    r = await post('/login/answer', { id, step: 'code', value: '12345' });
    expect(r.body).toMatchObject({ step: 'password', message: expect.stringContaining('hint: cat') });
    r = await post('/login/answer', { id, step: 'password', value: 'nope' });
    expect(r.body).toMatchObject({ step: 'password', message: 'Wrong password: try again.' });
    r = await post('/login/answer', { id, step: 'password', value: 'hunter2' });
    expect(r.body).toMatchObject({ step: 'done', account: '@robin_fan' });

    const st = await status();
    expect(st).toMatchObject({
      configured: true,
      browser_login: true,
      session: { state: 'ok', account: '@robin_fan' },
    });
    const row = (await s.db.query('SELECT encrypted FROM telegram_session')).rows[0];
    expect(row.encrypted).not.toContain('fake-session');
    expect((await store.load())!.session).toBe('1fake-session-4915112345678');
    expect(JSON.stringify(st)).not.toContain('fake-session');
    // a finished login takes no more answers
    expect((await post('/login/answer', { id, step: 'code', value: '1' })).status).toBe(409);
  });

  it('QR login shows the tg://login URL (renewed), then asks the 2FA password', async () => {
    let r = await post('/login', { method: 'qr' });
    expect(r.body).toMatchObject({ step: 'qr', qr_url: expect.stringMatching(/^tg:\/\/login\?token=/) });
    const first = r.body.qr_url;
    for (let i = 0; i < 50 && (await status()).login.step !== 'password'; i++)
      await new Promise((res) => setTimeout(res, 50));
    const st = await status();
    expect(st.login.step).toBe('password');
    expect(st.login.qr_url).not.toBe(first);
    r = await post('/login/answer', { id: st.login.id, step: 'password', value: 'hunter2' });
    expect(r.body).toMatchObject({ step: 'done', account: '@robin_fan' });
    expect((await store.load())!.session).toBe('1fake-qr-session');
  });

  it('refuses bad input with a 4xx and no change; cancel and logout', async () => {
    expect((await post('/login', { method: 'sms' })).status).toBe(400);
    const start = await post('/login', { method: 'phone' });
    expect((await post('/login/answer', { id: start.body.id, step: 'code', value: '1' })).status).toBe(409); // it waits for the phone
    expect((await post('/login/answer', { id: start.body.id, step: 'phone', value: '' })).status).toBe(400);
    expect((await post('/login/answer', { id: start.body.id, step: 'phone', value: 'x'.repeat(300) })).status).toBe(
      400,
    );
    expect((await post('/login/answer', { id: 'other', step: 'phone', value: '1' })).status).toBe(409);
    expect((await fetch(`${s.url}/api/v1/admin/telegram/login`, { method: 'DELETE' })).status).toBe(204);
    expect((await status()).login.step).toBe('cancelled');
    await store.save('1some-session', '@someone');
    expect((await post('/logout', {})).body).toEqual({ ok: true });
    expect((await status()).session.state).toBe('none');
  });
  // last: the FloodWait holds for the rest of the file, as it would for the server
  it('a FloodWait ends the attempt with the time to wait, and a new attempt before then is refused', async () => {
    account.floodWaitSeconds = 300;
    const start = await post('/login', { method: 'phone' });
    const r = await post('/login/answer', { id: start.body.id, step: 'phone', value: account.phone });
    expect(r.body.step).toBe('failed');
    const until = Date.parse(r.body.flood_wait_until);
    expect(until - Date.now()).toBeGreaterThan(290_000);
    expect(r.body.message).toMatch(/FloodWait/);
    const again = await post('/login', { method: 'phone' });
    expect(again.status).toBe(409);
    expect(again.body.error.message).toMatch(/wait until/);
    expect((await status()).session.state).toBe('none');
  });
});

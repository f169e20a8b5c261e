import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { createTelegramSessionStore } from '@waifudex/core/services/telegram-session.service';
import { createTelegramLoginService } from '@waifudex/core/services/telegram-login.service';
import { startTestServer, type TestServer } from '../../server/src/testing/test-server.js';
import { requireAdmin } from '../../server/src/middleware/auth.js';
import { syncRoutes } from '../../server/src/routes/sync.routes.js';
import { telegramRoutes } from '../../server/src/routes/telegram.routes.js';
import { createLoginDriver } from '../../scraper/src/telegram/browser-login-driver.js';
import { fakeAuthClient, type FakeAuthAccount } from '../../scraper/src/testing/fake-telegram-auth.js';
import { ensureWebBuilt, hasChromium, launchBrowser, webDist } from './helpers.js';

const SHOTS = new URL('../../test-results/screenshots/', import.meta.url).pathname;
const PASSWORD = 'correct horse battery';
const ACCOUNT: FakeAuthAccount = {
  phone: '+4915112345678',
  code: '24680',
  password: 'hunter2',
  hint: 'the cat',
  username: 'robin_fan',
};

describe.skipIf(!hasChromium)('Telegram login from the browser against a fake Telegram auth (Chromium)', () => {
  let s: TestServer;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wdx-tg-e2e-'));

  async function signIn(viewport: { width: number; height: number }, phone = false): Promise<Page> {
    const ctx = await browser.newContext({
      viewport,
      ...(phone ? { isMobile: true, hasTouch: true, deviceScaleFactor: 2 } : {}),
    });
    contexts.push(ctx);
    const page = await ctx.newPage();
    page.setDefaultTimeout(15_000);
    await page.goto(`${s.url}/admin/login?next=/admin/sync`);
    await page.getByTestId('login-username').fill('admin');
    await page.getByTestId('login-password').fill(PASSWORD);
    await page.getByTestId('login-submit').click();
    await page.getByTestId('tg-account').waitFor();
    return page;
  }
  const focused = (page: Page) => page.evaluate(() => document.activeElement?.getAttribute('data-testid'));
  async function answer(page: Page, step: string, value: string) {
    await page.getByTestId(`tg-${step}`).waitFor();
    expect(await focused(page)).toBe(`tg-${step}`);
    await page.keyboard.type(value);
    await page.getByTestId('tg-submit').click();
  }

  beforeAll(async () => {
    ensureWebBuilt();
    fs.mkdirSync(SHOTS, { recursive: true });
    [s, browser] = await Promise.all([
      startTestServer({
        webDir: webDist,
        routers: ({ db }) => {
          const store = createTelegramSessionStore({ db, dataDir });
          const driver = createLoginDriver({
            apiId: 1,
            apiHash: 'x',
            timeoutMs: 2000,
            makeClient: () => fakeAuthClient(ACCOUNT),
          });
          return [
            syncRoutes({ db, requireAdmin }),
            telegramRoutes({
              db,
              requireAdmin,
              store,
              login: createTelegramLoginService({ driver, store }),
              configured: true,
            }),
          ];
        },
      }),
      launchBrowser(),
    ]);
    await s.auth.setAdminPassword('admin', PASSWORD);
  });
  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await s?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('desktop 1366×900: phone number → wrong code → code → 2FA password; the session is stored encrypted', async () => {
    const page = await signIn({ width: 1366, height: 900 });
    expect(await page.getByTestId('tg-health').textContent()).toBe('not logged in');
    expect(await page.getByTestId('sync-now').isDisabled()).toBe(true);
    expect(await page.getByTestId('sync-cannot').textContent()).toMatch(/No Telegram session/);
    await page.getByTestId('tg-login-phone').click();
    await answer(page, 'phone', ACCOUNT.phone);
    await answer(page, 'code', '11111');
    await page.getByTestId('tg-message').filter({ hasText: 'Wrong code' }).waitFor();
    await page.screenshot({ path: `${SHOTS}telegram-login-desktop-wrong-code.png` });
    await answer(page, 'code', ACCOUNT.code);
    await page.getByTestId('tg-message').filter({ hasText: 'hint: the cat' }).waitFor();
    await answer(page, 'password', ACCOUNT.password!);
    await page.getByTestId('toast').filter({ hasText: 'Logged in to Telegram as @robin_fan' }).waitFor();
    await page.getByTestId('tg-health').filter({ hasText: 'connected as @robin_fan' }).waitFor();
    // logged in, but still no channel: "Sync now" says so
    await page.getByTestId('sync-cannot').filter({ hasText: 'No Telegram channel' }).waitFor();
    await page.screenshot({ path: `${SHOTS}telegram-login-desktop-done.png` });
    const row = (await s.db.query('SELECT encrypted, account_label FROM telegram_session')).rows[0];
    expect(row.account_label).toBe('@robin_fan');
    expect(row.encrypted).not.toContain('fake-session');
    expect(await page.content()).not.toContain('fake-session');
  });

  it('phone 390×844: log out, then log in with the QR code (and the 2FA password)', async () => {
    const page = await signIn({ width: 390, height: 844 }, true);
    await page.getByTestId('tg-logout').tap();
    await page.getByTestId('tg-logout-confirm').tap();
    await page.getByTestId('tg-health').filter({ hasText: 'not logged in' }).waitFor();
    expect((await s.db.query('SELECT count(*)::int AS n FROM telegram_session')).rows[0].n).toBe(0);
    await page.getByTestId('tg-login-qr').tap();
    await page.getByTestId('tg-qr-image').waitFor();
    const box = (await page.getByTestId('tg-qr-image').boundingBox())!;
    expect(box.x + box.width).toBeLessThanOrEqual(390);
    expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(0);
    await page.screenshot({ path: `${SHOTS}telegram-login-phone-qr.png` });
    await answer(page, 'password', ACCOUNT.password!); // the fake "scans" after a moment; 2FA is on
    await page.getByTestId('tg-health').filter({ hasText: 'connected as @robin_fan' }).waitFor();
    expect(await page.getByTestId('toast').filter({ hasText: 'Logged in to Telegram' }).count()).toBe(1);
    await page.screenshot({ path: `${SHOTS}telegram-login-phone-done.png` });
  });
});

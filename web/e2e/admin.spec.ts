import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { generateDemoImage } from '@waifudex/core/images/demo-images';
import { upsertChannelByPeer } from '@waifudex/core/repos/channels.repo';
import { emptyCounts, finishRun, startRun, updateRunProgress } from '@waifudex/core/repos/sync-runs.repo';
import { saveTelegramSessionRow } from '@waifudex/core/repos/telegram-session.repo';
import type { TestServer } from '../../server/src/testing/test-server.js';
import { ensureWebBuilt, hasChromium, launchBrowser, seed, startAppServer } from './helpers.js';

describe.skipIf(!hasChromium)('admin journeys (Chromium)', () => {
  let s: TestServer;
  let browser: Browser;
  const contexts: BrowserContext[] = [];

  async function open(p: string): Promise<Page> {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    contexts.push(ctx);
    const page = await ctx.newPage();
    page.setDefaultTimeout(10_000);
    await page.goto(`${s.url}${p}`);
    return page;
  }
  async function login(page: Page, password: string) {
    await page.getByTestId('login-username').fill('admin');
    await page.getByTestId('login-password').fill(password);
    await page.getByTestId('login-submit').click();
  }

  beforeAll(async () => {
    ensureWebBuilt();
    [s, browser] = await Promise.all([startAppServer({ sync: true }), launchBrowser()]);
    await Promise.all([seed(s), s.auth.setAdminPassword('admin', 'correct horse battery')]);
  });
  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await s?.close();
  });

  it('refuses a wrong password with a visible error', async () => {
    const page = await open('/admin');
    await page.waitForURL(/\/admin\/login\?next=/);
    await login(page, 'wrong password');
    await page.getByTestId('login-error').waitFor();
    expect(await page.getByTestId('login-error').textContent()).toContain('wrong username or password');
    expect(new URL(page.url()).pathname).toBe('/admin/login');
  });

  it('logs in, renames a character, and the gallery shows the new name; the session survives a reload', async () => {
    const page = await open('/admin/login');
    await login(page, 'correct horse battery');
    await page.getByTestId('admin-area').waitFor();
    await page.getByTestId('admin-empty').waitFor(); // nothing needs review
    await page.locator('label[for=filter-all]').click();
    await page.getByTestId('admin-row').nth(3).waitFor();
    await page.getByTestId('admin-row').filter({ hasText: 'Mikasa Ackerman' }).getByTestId('admin-edit-link').click();
    await page.getByTestId('edit-form').waitFor();
    expect(await page.getByTestId('edit-caption').textContent()).toContain('Name: Mikasa Ackerman');
    await page.getByTestId('field-name').fill('Mikasa Ackermann');
    await page.getByTestId('edit-save').click();
    await page.getByTestId('edit-notice').waitFor();
    expect(await page.getByTestId('edit-error').count()).toBe(0);
    await page.screenshot({ path: '/tmp/waifudex-admin-edit.png', fullPage: true });

    await page.reload(); // GET /auth/me restores the session and its CSRF token
    await page.getByTestId('edit-form').waitFor();
    expect(await page.getByTestId('field-name').inputValue()).toBe('Mikasa Ackermann');

    await page.getByTestId('nav-home').click();
    await page.getByTestId('character-card').nth(3).waitFor();
    expect(await page.getByTestId('character-name').allTextContents()).toContain('Mikasa Ackermann');
    expect(await page.getByTestId('character-name').allTextContents()).not.toContain('Mikasa Ackerman');

    await page.getByTestId('logout').click();
    await page.getByTestId('nav-login').waitFor();
    await page.goto(`${s.url}/admin`);
    await page.waitForURL(/\/admin\/login/);
  });

  it('uploads a new character with its caption and refuses a non-image with a clear error', async () => {
    const page = await open('/admin/login?next=/admin/upload');
    await login(page, 'correct horse battery');
    await page.getByTestId('upload-form').waitFor();
    await page
      .getByTestId('upload-file')
      .setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('not a picture') });
    await page.getByTestId('upload-caption').fill('Name: Zero Two\nAnime: Darling in the Franxx');
    await page.getByTestId('upload-submit').click();
    await page.getByTestId('upload-error').waitFor();
    await page
      .getByTestId('upload-file')
      .setInputFiles({ name: 'zero-two.jpg', mimeType: 'image/jpeg', buffer: await generateDemoImage(40, 'Zero Two') });
    await page.getByTestId('upload-submit').click();
    await page.getByTestId('edit-form').waitFor();
    expect(await page.getByTestId('field-name').inputValue()).toBe('Zero Two');
    expect(await page.getByTestId('field-anime').inputValue()).toBe('Darling in the Franxx');
  });

  it('shows the sync panel with last-run counts, requests a sync and follows the run live', async () => {
    const channel = await upsertChannelByPeer(s.db, {
      peerId: '1001',
      title: 'Waifu Catcher Drops',
      username: 'waifudrops',
    });
    await saveTelegramSessionRow(s.db, 'encrypted', 'test account'); // "Sync now" needs a session and a channel
    const done = await startRun(s.db, channel.id, 'sync');
    await finishRun(s.db, done.id, 'ok', { ...emptyCounts(), scanned: 120, new: 37, updated: 4 }, null);
    const page = await open('/admin/login?next=/admin/sync');
    await login(page, 'correct horse battery');
    const row = page.getByTestId('sync-row').filter({ hasText: 'Waifu Catcher Drops' });
    await row.waitFor();
    expect(await row.textContent()).toMatch(/ok.*Scanned 120.*New 37.*Updated 4/s);
    await page.getByTestId('sync-now').click();
    await page.getByTestId('sync-pending').waitFor(); // no worker in the test: the request stays pending
    // the worker (another process in production) writes its run: the server pushes it to the panel over SSE
    await page.getByTestId('sync-live').waitFor();
    const live = await startRun(s.db, channel.id, 'sync');
    await updateRunProgress(s.db, live.id, { ...emptyCounts(), scanned: 5, new: 2 });
    await page.waitForFunction(
      () => document.querySelector('[data-testid=sync-row] [data-testid=sync-run-status]')?.textContent === 'running',
    );
    await page.getByTestId('sync-active').waitFor();
    await finishRun(s.db, live.id, 'ok', { ...emptyCounts(), scanned: 9, new: 3 }, null);
    await s.db.query('UPDATE sync_requests SET picked_at = now(), finished_at = now()');
    await page.waitForFunction(
      () => document.querySelector('[data-testid=sync-row] [data-testid=sync-run-status]')?.textContent === 'ok',
    );
    expect(await row.textContent()).toMatch(/ok.*Scanned 9.*New 3/s);
    expect(await page.getByTestId('sync-history-row').count()).toBe(2);
    await page.screenshot({ path: '/tmp/waifudex-admin-sync.png' });
  });
});

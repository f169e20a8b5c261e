import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { upsertBotChat, updateBotChatAutoCatcher } from '@waifudex/core/repos/bot-chats.repo';
import { insertBotSubscription } from '@waifudex/core/repos/bot-subscriptions.repo';
import { getBotState, markBotStarted } from '@waifudex/core/repos/bot-state.repo';
import { startTestServer, type TestServer } from '../../server/src/testing/test-server.js';
import { requireAdmin } from '../../server/src/middleware/auth.js';
import { botRoutes } from '../../server/src/routes/bot.routes.js';
import { ensureWebBuilt, hasChromium, launchBrowser, signInAsAdmin, webDist } from './helpers.js';

describe.skipIf(!hasChromium)('admin bot tab (Chromium)', () => {
  let s: TestServer;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    ensureWebBuilt();
    [s, browser] = await Promise.all([
      startTestServer({ webDir: webDist, routers: ({ db }) => [botRoutes({ db, requireAdmin, configured: true })] }),
      launchBrowser(),
    ]);
    await markBotStarted(s.db, 'waifudex_bot', 'polling');
    await upsertBotChat(s.db, { chatId: -1001234567890, kind: 'supergroup', title: 'Catchers' });
    await updateBotChatAutoCatcher(s.db, -1001234567890, 'waifucatcherbot');
    await upsertBotChat(s.db, { chatId: 42, kind: 'private', title: 'Alice' });
    await insertBotSubscription(s.db, 42, 'all', '');
    page = await signInAsAdmin(browser, s);
  });
  afterAll(async () => {
    await browser?.close();
    await s?.close();
  });

  it('shows status, groups and subscribers; turns the bot off and saves an allow-list', async () => {
    await page.getByTestId('tab-bot').click();
    await page.getByTestId('bot-panel').waitFor();
    expect(await page.getByTestId('bot-running').textContent()).toBe('running');
    expect(await page.getByTestId('bot-subscribers').textContent()).toContain('1 chats, 1 subscriptions');
    expect(await page.getByTestId('bot-group-row').textContent()).toContain('@waifucatcherbot');

    await page.getByTestId('bot-enabled').uncheck();
    await page.getByTestId('bot-notice').waitFor();
    expect((await getBotState(s.db)).enabled).toBe(false);

    await page.getByTestId('bot-allow-list').fill('@alice');
    await page.getByTestId('bot-save').click();
    await page.getByTestId('bot-error').waitFor();
    expect((await getBotState(s.db)).allowList).toEqual([]);

    await page.getByTestId('bot-allow-list').fill('111222333\n-1001234567890');
    await page.getByTestId('bot-save').click();
    await page.getByTestId('bot-notice').waitFor();
    expect((await getBotState(s.db)).allowList).toEqual(['111222333', '-1001234567890']);
  });
});

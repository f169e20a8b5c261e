/**
 * The admin pages built on the shared panel (AdminPanel, ShownOnce, createAdminAction), in Chromium: a
 * refused action shows the server's reason in the panel and changes nothing; an accepted one shows its
 * secret once, and the buttons are usable again afterwards.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { TestServer } from '../../server/src/testing/test-server.js';
import { ensureWebBuilt, hasChromium, launchBrowser, signInAsAdmin, startAppServer } from './helpers.js';

describe.skipIf(!hasChromium)('admin panels (Chromium)', () => {
  let s: TestServer;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    ensureWebBuilt();
    [s, browser] = await Promise.all([startAppServer(), launchBrowser()]);
    page = await signInAsAdmin(browser, s);
  });
  afterAll(async () => {
    await browser?.close();
    await s?.close();
  });

  it('webhooks: a private target is refused with the reason; allowed, it is added and its secret shown once', async () => {
    await page.goto(`${s.url}/admin/webhooks`);
    await page.getByTestId('webhooks-panel').waitFor();
    await page.getByTestId('webhook-url').fill('http://127.0.0.1:9/hook');
    await page.getByTestId('webhook-add').click();
    const error = page.getByTestId('webhooks-error');
    await error.waitFor();
    expect(await error.textContent()).toMatch(/private or loopback address/);
    expect(await page.getByTestId('webhook').count()).toBe(0);
    expect(await page.getByTestId('webhook-secret').count()).toBe(0);

    await page.getByLabel('Allow a private or loopback address').check();
    await page.getByTestId('webhook-add').click();
    await page.getByTestId('webhook-secret').waitFor();
    expect(await page.getByTestId('webhooks-error').count()).toBe(0); // the next action clears the error
    expect(await page.getByTestId('webhook-secret').textContent()).toMatch(/Signing secret \(shown only now/);
    expect(await page.getByTestId('webhook').count()).toBe(1);
    expect(await page.getByTestId('webhook-add').isEnabled()).toBe(true);
    const stored = await s.db.query(`SELECT url, allow_private FROM webhooks`);
    expect(stored.rows).toEqual([{ url: 'http://127.0.0.1:9/hook', allow_private: true }]);
  });

  it('tokens: a new token is shown once, in its own panel', async () => {
    await page.goto(`${s.url}/admin/tokens`);
    await page.getByTestId('tokens-panel').waitFor();
    await page.getByTestId('token-name').fill('panel check');
    await page.getByTestId('token-create').click();
    await page.getByTestId('token-secret').waitFor();
    expect(await page.getByTestId('token-secret').textContent()).toMatch(/^wdx_/);
    expect(await page.getByTestId('token-row').count()).toBe(1);
    await page.reload();
    await page.getByTestId('token-row').waitFor();
    expect(await page.getByTestId('token-secret').count()).toBe(0); // shown only when made
  });
});

/** The built app works under the server's Content-Security-Policy: no violation on any page, admin included. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { TestServer } from '../../server/src/testing/test-server.js';
import { ensureWebBuilt, hasChromium, launchBrowser, seed, startAppServer } from './helpers.js';

describe.skipIf(!hasChromium)('Content-Security-Policy (Chromium)', () => {
  let s: TestServer;
  let browser: Browser;
  let ids: Record<string, string>;

  beforeAll(async () => {
    ensureWebBuilt();
    [s, browser] = await Promise.all([startAppServer({ sync: true }), launchBrowser()]);
    [ids] = await Promise.all([seed(s), s.auth.setAdminPassword('admin', 'correct horse battery')]);
  });
  afterAll(async () => {
    await browser?.close();
    await s?.close();
  });

  /** Records CSP violations both as DOM events and as console reports. */
  async function watch(page: Page): Promise<string[]> {
    const violations: string[] = [];
    await page.exposeFunction('__cspViolation', (v: string) => void violations.push(v));
    await page.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (e) =>
        (window as any).__cspViolation(`${e.violatedDirective} ${e.blockedURI}`),
      );
    });
    page.on('console', (m) => {
      if (/Content[- ]Security[- ]Policy/i.test(m.text())) violations.push(m.text());
    });
    return violations;
  }

  it('gallery, character page, login and every admin page render without a CSP violation', async () => {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await ctx.newPage();
    page.setDefaultTimeout(10_000);
    const violations = await watch(page);
    const res = await page.goto(`${s.url}/`);
    expect(res?.headers()['content-security-policy']).toContain("script-src 'self'");
    await page.getByTestId('character-card').nth(3).waitFor();
    await page.goto(`${s.url}/c/${ids['Rem']}`);
    await page.getByText('Re:Zero').first().waitFor();
    await page.goto(`${s.url}/admin/login`);
    await page.getByTestId('login-username').fill('admin');
    await page.getByTestId('login-password').fill('correct horse battery');
    await page.getByTestId('login-submit').click();
    await page.getByTestId('admin-area').waitFor();
    for (const p of ['/admin/upload', '/admin/sync', '/admin/tokens']) {
      await page.goto(`${s.url}${p}`);
      await page.getByTestId('admin-area').waitFor();
    }
    await page.getByTestId('tokens-panel').waitFor();
    await page.getByTestId('token-name').fill('csp check');
    await page.getByTestId('token-create').click();
    await page.getByTestId('token-secret').waitFor();
    expect(await page.getByTestId('token-secret').textContent()).toMatch(/^wdx_/);
    await page.goto(`${s.url}/api/docs`);
    await page.getByText('/api/v1/openapi.json').first().waitFor();
    await page.waitForTimeout(300);
    expect(violations).toEqual([]);
    await ctx.close();
  });

  it('the watcher does see a violation (an inline style attribute from markup)', async () => {
    const ctx = await browser.newContext();
    const page = await ctx.newPage();
    const violations = await watch(page);
    await page.goto(`${s.url}/api/docs`);
    await page.evaluate(() => document.body.insertAdjacentHTML('beforeend', '<p style="color: red">x</p>'));
    await page.waitForTimeout(300);
    expect(violations.length).toBeGreaterThan(0);
    await ctx.close();
  });
});

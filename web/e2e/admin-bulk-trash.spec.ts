import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { TestServer } from '../../server/src/testing/test-server.js';
import { ensureWebBuilt, hasChromium, launchBrowser, seed, startAppServer } from './helpers.js';

const SHOTS = new URL('../../test-results/screenshots/', import.meta.url).pathname;
const SIZES = { desktop: { width: 1366, height: 900 }, phone: { width: 390, height: 844 } } as const;
const PASSWORD = 'correct horse battery';

describe.skipIf(!hasChromium)('admin: bulk edit, delete with undo, phone layout (Chromium)', () => {
  let s: TestServer;
  let browser: Browser;
  let ids: Record<string, string>;
  const contexts: BrowserContext[] = [];

  async function signIn(size: keyof typeof SIZES, next = '/admin'): Promise<Page> {
    const ctx = await browser.newContext({
      viewport: SIZES[size],
      ...(size === 'phone' ? { isMobile: true, hasTouch: true, deviceScaleFactor: 2 } : {}),
    });
    contexts.push(ctx);
    const page = await ctx.newPage();
    page.setDefaultTimeout(15_000);
    await page.goto(`${s.url}/admin/login?next=${encodeURIComponent(next)}`);
    await page.getByTestId('login-username').waitFor();
    // the login page puts the cursor in the username field: typing goes there
    await page.waitForFunction(() => document.activeElement?.getAttribute('data-testid') === 'login-username');
    if (size === 'phone') await page.screenshot({ path: `${SHOTS}admin-phone-login.png` });
    await page.keyboard.type('admin');
    await page.getByTestId('login-password').fill(PASSWORD);
    await page.getByTestId('login-submit').click();
    await page.getByTestId('admin-area').waitFor();
    return page;
  }
  const q = async <T = any>(sql: string, p: unknown[] = []) => (await s.db.query(sql, p)).rows as T[];
  const galleryNames = async () =>
    ((await (await fetch(`${s.url}/api/v1/characters?per_page=100`)).json()).items as { name: string }[]).map(
      (c) => c.name,
    );
  const toast = (page: Page, re: RegExp) => page.getByTestId('toast').filter({ hasText: re }).first();
  async function search(page: Page, text: string, expectRows: number) {
    await page.getByTestId('admin-search').fill(text);
    await page.waitForFunction(
      (n) =>
        document.querySelectorAll('[data-testid=admin-row]').length === n && !document.querySelector('.opacity-50'),
      expectRows,
    );
  }
  const testid = (page: Page) =>
    page.evaluate(() => document.activeElement?.getAttribute('data-testid') ?? document.activeElement?.tagName);

  beforeAll(async () => {
    ensureWebBuilt();
    fs.mkdirSync(SHOTS, { recursive: true });
    [s, browser] = await Promise.all([startAppServer({ sync: true }), launchBrowser()]);
    ids = await seed(s);
    await s.auth.setAdminPassword('admin', PASSWORD);
    // more characters than one page of the admin list (30), without pictures: enough to "select all matching"
    await q(`INSERT INTO characters (name, anime, rarity, name_search, anime_search, raw_caption)
             SELECT 'Extra ' || i, 'Filler', 'Common', 'extra ' || i, 'filler', 'Name: Extra ' || i FROM generate_series(1, 34) i`);
  }, 120_000);
  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await s?.close();
  });

  it('desktop 1366×900: sets the anime of two selected characters, then hides all 34 a search matches', async () => {
    const page = await signIn('desktop');
    await page.locator('label[for=filter-all]').click();
    await search(page, 'legendary', 2); // the raw captions of Nico Robin and Rem
    for (const row of await page.getByTestId('admin-row').all()) await row.getByTestId('admin-select').check();
    expect(await page.getByTestId('bulk-count').textContent()).toBe('2 characters selected');
    await page.getByTestId('bulk-set-anime').click();
    expect(await testid(page)).toBe('bulk-value'); // the inline form takes the focus
    await page.keyboard.type('Grand Line');
    await page.screenshot({ path: `${SHOTS}admin-desktop-bulk-set.png` });
    await page.getByTestId('bulk-apply').click();
    await toast(page, /Set anime “Grand Line” on 2 characters/).waitFor();
    await page.waitForFunction(() =>
      [...document.querySelectorAll('[data-testid=admin-row]')].every((r) => r.textContent!.includes('Grand Line')),
    );
    const rows = await q<{ anime: string; edited_fields: string[] }>(
      'SELECT anime, edited_fields FROM characters WHERE id = ANY($1::bigint[])',
      [[ids['Nico Robin'], ids.Rem]],
    );
    expect(rows).toEqual([
      { anime: 'Grand Line', edited_fields: expect.arrayContaining(['anime']) },
      { anime: 'Grand Line', edited_fields: expect.arrayContaining(['anime']) },
    ]);

    await search(page, 'filler', 30);
    await page.getByTestId('select-page').check();
    await page.getByTestId('select-all-matching').click();
    await page.getByTestId('all-matching-note').waitFor();
    expect(await page.getByTestId('bulk-count').textContent()).toBe('34 characters selected');
    await page.screenshot({ path: `${SHOTS}admin-desktop-select-all-matching.png` });
    await page.getByTestId('bulk-hide').click();
    await toast(page, /Hid 34 characters/).waitFor();
    expect((await q('SELECT count(*)::int AS n FROM characters WHERE hidden'))[0].n).toBe(34);
    expect((await galleryNames()).some((n) => n.startsWith('Extra'))).toBe(false);
    expect(await page.getByTestId('bulk-bar').count()).toBe(0); // the selection is cleared after the action
  });

  it('desktop: deletes from the list and from the editor, with "Deleted — Undo" and the trash; focus stays in place', async () => {
    const page = await signIn('desktop');
    await page.locator('label[for=filter-all]').click();
    await search(page, 'mikasa', 1);
    await page.getByTestId('admin-delete').click();
    await toast(page, /Deleted Mikasa Ackerman/).waitFor();
    await page.getByTestId('admin-empty').waitFor();
    expect(await galleryNames()).not.toContain('Mikasa Ackerman');
    await page.screenshot({ path: `${SHOTS}admin-desktop-deleted-undo.png` });
    await toast(page, /Deleted Mikasa Ackerman/)
      .getByTestId('toast-action')
      .click();
    await toast(page, /Restored Mikasa Ackerman/).waitFor();
    await page.getByTestId('admin-row').filter({ hasText: 'Mikasa Ackerman' }).waitFor();
    expect(await galleryNames()).toContain('Mikasa Ackerman');

    await page.goto(`${s.url}/admin/characters/${ids['Asuna Yuuki']}`);
    await page.getByTestId('edit-form').waitFor();
    await page.getByTestId('delete').click();
    expect(await testid(page)).toBe('delete-confirm');
    await page.getByTestId('delete-cancel').click();
    expect(await testid(page)).toBe('delete'); // back where it was
    await page.getByTestId('delete').click();
    await page.getByTestId('delete-confirm').click();
    await page.waitForURL(/\/admin$/);
    await toast(page, /Deleted Asuna Yuuki/).waitFor();
    await page.getByTestId('tab-trash').click();
    await page.getByTestId('trash-row').filter({ hasText: 'Asuna Yuuki' }).waitFor();
    await page.screenshot({ path: `${SHOTS}admin-desktop-trash.png` });
    await page.getByTestId('trash-restore').click();
    await toast(page, /Restored Asuna Yuuki/).waitFor();
    await page.getByTestId('trash-empty').waitFor();
    expect(await galleryNames()).toContain('Asuna Yuuki');
  });

  it('phone 390×844: a card list with visible actions, no sideways scrolling, tabs on one line showing the active one, bulk and undo', async () => {
    const page = await signIn('phone');
    await page.locator('label[for=filter-all]').click();
    await page.getByTestId('admin-row').nth(29).waitFor();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    expect(await page.locator('table').count()).toBe(0);
    for (const row of (await page.getByTestId('admin-row').all()).slice(0, 3)) {
      for (const action of ['admin-edit-link', 'admin-toggle-hidden', 'admin-delete']) {
        const box = (await row.getByTestId(action).boundingBox())!;
        expect(box.x).toBeGreaterThanOrEqual(0);
        expect(box.x + box.width).toBeLessThanOrEqual(390);
        expect(box.height).toBeGreaterThanOrEqual(30); // big enough for a thumb
      }
    }
    // tabs: one line, the active one marked
    const tabs = page.getByTestId('admin-tabs');
    const tops = await tabs
      .locator(':scope > li:visible')
      .evaluateAll((lis) => lis.map((li) => Math.round(li.getBoundingClientRect().top)));
    expect(tops.length).toBeGreaterThanOrEqual(4);
    expect(new Set(tops).size).toBe(1);
    await page.screenshot({ path: `${SHOTS}admin-phone-list.png` });
    expect(await tabs.evaluate((el) => el.scrollWidth <= el.clientWidth)).toBe(true);
    expect(await page.getByTestId('tab-characters').getAttribute('aria-current')).toBe('page');

    await search(page, 'legendary', 2);
    await page.getByTestId('admin-row').first().getByTestId('admin-select').check();
    await page.getByTestId('bulk-bar').waitFor();
    await page.screenshot({ path: `${SHOTS}admin-phone-bulk.png` });
    await page.getByTestId('bulk-clear').click();

    await search(page, 'rem', 1);
    await page.getByTestId('admin-delete').click();
    const undo = toast(page, /Deleted Rem/);
    await undo.waitFor();
    const box = (await undo.getByTestId('toast-action').boundingBox())!;
    expect(box.y + box.height).toBeLessThanOrEqual(844);
    await page.screenshot({ path: `${SHOTS}admin-phone-undo.png` });
    await undo.getByTestId('toast-action').tap();
    await toast(page, /Restored Rem/).waitFor();
    await page.getByTestId('admin-row').filter({ hasText: 'Rem' }).waitFor();

    await page.getByTestId('tab-more').tap();
    await page.getByTestId('more-tab-trash').tap();
    await page.getByTestId('trash-empty').waitFor();
    expect((await page.getByTestId('tab-more').textContent())!.trim()).toMatch(/^Trash/);
    expect(await page.getByTestId('tab-more').getAttribute('class')).toContain('active');
    await page.screenshot({ path: `${SHOTS}admin-phone-tabs-more.png` });
  });
});

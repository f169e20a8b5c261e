import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { generateDemoImage } from '@waifudex/core/images/demo-images';
import type { TestServer } from '../../server/src/testing/test-server.js';
import { ensureWebBuilt, hasChromium, launchBrowser, seed, startAppServer } from './helpers.js';

describe.skipIf(!hasChromium)('gallery journeys (Chromium)', () => {
  let s: TestServer;
  let empty: TestServer;
  let browser: Browser;
  let ids: Record<string, string>;
  const contexts: BrowserContext[] = [];

  async function open(server: TestServer, p: string): Promise<Page> {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    contexts.push(ctx);
    const page = await ctx.newPage();
    page.setDefaultTimeout(10_000);
    await page.goto(`${server.url}${p}`);
    return page;
  }

  beforeAll(async () => {
    ensureWebBuilt();
    [s, empty, browser] = await Promise.all([startAppServer(), startAppServer(), launchBrowser()]);
    ids = await seed(s);
  });
  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await Promise.all([s?.close(), empty?.close()]);
  });

  it('shows the seeded characters as cards with their thumbnails', async () => {
    const page = await open(s, '/');
    await page.getByTestId('character-card').nth(3).waitFor();
    expect(await page.getByTestId('character-card').count()).toBe(4);
    expect(await page.getByTestId('result-count').textContent()).toContain('4 characters');
    await page.waitForFunction(() =>
      [...document.querySelectorAll<HTMLImageElement>('[data-testid=character-card] img')].every(
        (i) => i.complete && i.naturalWidth > 0,
      ),
    );
    await page.screenshot({ path: '/tmp/waifudex-gallery.png', fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: '/tmp/waifudex-gallery-mobile.png' });
  });

  it('narrows the results as the user types, and keeps the search in the address', async () => {
    const page = await open(s, '/');
    await page.getByTestId('character-card').first().waitFor();
    await page.getByTestId('search-input').fill('robin');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=character-card]').length === 1);
    expect(await page.getByTestId('character-name').allTextContents()).toEqual(['Nico Robin']);
    expect(page.url()).toContain('q=robin');
    await page.screenshot({ path: '/tmp/waifudex-search.png' });
    await page.getByTestId('search-input').fill('zzzzqq');
    await page.getByTestId('no-results').waitFor();
    // a reload restores the search from the address
    await page.goto(`${s.url}/?q=titan`);
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=character-card]').length === 1);
    expect(await page.getByTestId('search-input').inputValue()).toBe('titan');
  });

  it('explains how to fill an empty gallery', async () => {
    const page = await open(empty, '/');
    await page.getByTestId('empty-gallery').waitFor();
    expect(await page.getByTestId('character-card').count()).toBe(0);
  });

  it('opens the detail page from a card, and directly by its address', async () => {
    const page = await open(s, '/');
    await page.getByTestId('character-card').filter({ hasText: 'Rem' }).click();
    await page.getByTestId('detail-name').waitFor();
    expect(await page.getByTestId('detail-name').textContent()).toBe('Rem');
    expect(await page.getByTestId('detail-anime').textContent()).toBe('Re:Zero');
    expect(await page.getByTestId('detail-artwork').count()).toBe(1);
    expect(new URL(page.url()).pathname).toBe(`/c/${ids.Rem}`);
    await page.getByTestId('detail-image').evaluate((img: HTMLImageElement) => img.decode());
    await page.screenshot({ path: '/tmp/waifudex-detail.png' });
    await page.getByTestId('back-link').click();
    await page.getByTestId('search-input').waitFor();
    const direct = await open(s, `/c/${ids['Nico Robin']}`);
    expect(await direct.getByTestId('detail-name').textContent()).toBe('Nico Robin');
    const missing = await open(s, '/c/999999');
    await missing.getByTestId('detail-error').waitFor();
  });

  it('"Who is this?" shows a clear error while the search route is missing, and for a non-image', async () => {
    const page = await open(s, '/');
    await page
      .getByTestId('search-file')
      .setInputFiles({ name: 'robin.jpg', mimeType: 'image/jpeg', buffer: await generateDemoImage(0, 'Nico Robin') });
    await page.getByTestId('search-error').waitFor();
    expect(await page.getByTestId('search-error').textContent()).toContain('not available on this server');
    await page
      .getByTestId('search-file')
      .setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('hello') });
    await page.waitForFunction(() =>
      document.querySelector('[data-testid=search-error]')?.textContent?.includes('is not an image'),
    );
  });

  it('"Who is this?" shows the verdict, the best match big and the other candidates (stubbed engine)', async () => {
    const page = await open(s, '/');
    const list = await (await fetch(`${s.url}/api/v1/characters`)).json();
    const byName = (n: string) => list.items.find((c: any) => c.name === n);
    const match = (c: any, distance: number, score: number) => ({
      character: { id: c.id, name: c.name, anime: c.anime, rarity: c.rarity, rarity_emoji: c.rarity_emoji },
      artwork: { id: c.artwork.id, url: c.artwork.url, thumb_url: c.artwork.thumb_url },
      distance,
      score,
      stage: 'verified',
    });
    await page.route('**/api/v1/search/image', (route) =>
      route.fulfill({
        json: {
          verdict: 'match',
          query: { width: 600, height: 800, sha256: 'f'.repeat(64) },
          took_ms: 42,
          matches: [
            match(byName('Rem'), 4, 93),
            match(byName('Asuna Yuuki'), 19, 41),
            match(byName('Nico Robin'), 22, 30),
          ],
        },
      }),
    );
    await page
      .getByTestId('search-file')
      .setInputFiles({ name: 'rem.jpg', mimeType: 'image/jpeg', buffer: await generateDemoImage(2, 'Rem') });
    await page.getByTestId('best-match-name').waitFor();
    expect(await page.getByTestId('best-match-name').textContent()).toBe('Rem');
    expect(await page.getByTestId('verdict-badge').textContent()).toContain('93%');
    expect(await page.getByTestId('candidate').count()).toBe(2);
    expect(await page.getByTestId('search-took').textContent()).toContain('42 ms');
    await page.waitForFunction(() =>
      [...document.querySelectorAll<HTMLImageElement>('[data-testid=who-panel] img')].every(
        (i) => i.complete && i.naturalWidth > 0,
      ),
    );
    await page.screenshot({ path: '/tmp/waifudex-who-is-this.png', fullPage: true });
    await page.getByTestId('best-match-link').click();
    await page.getByTestId('detail-name').waitFor();
    expect(await page.getByTestId('detail-name').textContent()).toBe('Rem');
  });
});

/**
 * srcset thumbnails in a real browser: a phone with a 1× and a 2× screen picks the width that fits its
 * card, the preloaded thumbnails are the ones the cards show (one download each), and square art is shown
 * whole, not cropped to the 3:4 card.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import sharp from 'sharp';
import type { Browser } from 'playwright-core';
import type { TestServer } from '../../server/src/testing/test-server.js';
import { ensureWebBuilt, hasChromium, launchBrowser, seed, startAppServer } from './helpers.js';

describe.skipIf(!hasChromium)('thumbnails (Chromium)', () => {
  let s: TestServer;
  let browser: Browser;
  let squareId: string;

  beforeAll(async () => {
    ensureWebBuilt();
    [s, browser] = await Promise.all([startAppServer(), launchBrowser()]);
    await seed(s);
    const square = await sharp({ create: { width: 1000, height: 1000, channels: 3, background: '#c06' } })
      .png()
      .toBuffer();
    squareId = (await s.ingest.ingestImage({ bytes: square, caption: 'Name: Square Art\nAnime: Shapes' })).characterId;
  });
  afterAll(async () => {
    await browser?.close();
    await s?.close();
  });

  it.each([
    [1, 240],
    [2, 480],
    [3, 720],
  ])('a 390 px phone at %i× loads the %i px thumbnails, each once', async (dpr, want) => {
    const ctx = await browser.newContext({
      viewport: { width: 390, height: 844 },
      deviceScaleFactor: dpr,
      isMobile: true,
    });
    try {
      const page = await ctx.newPage();
      const thumbRequests: string[] = [];
      page.on('request', (r) => {
        if (r.url().includes('/images/thumbs/')) thumbRequests.push(new URL(r.url()).pathname);
      });
      await page.goto(`${s.url}/`);
      await page.waitForFunction(
        () => {
          const imgs = [...document.querySelectorAll<HTMLImageElement>('[data-testid=character-card] img')];
          return imgs.length === 5 && imgs.slice(0, 4).every((i) => i.complete && i.naturalWidth > 0);
        },
        undefined,
        { timeout: 20_000 },
      );
      const cards = await page.$$eval('[data-testid=character-card] img', (imgs) =>
        imgs.slice(0, 4).map((i) => ({
          src: new URL((i as HTMLImageElement).currentSrc).pathname,
          widths: (i as HTMLImageElement).srcset.split(', ').map((c) => Number(c.split(' ')[1]!.slice(0, -1))),
        })),
      );
      const shown = cards.map((c) => c.src);
      // the card is ~175 CSS px wide: the browser takes the smallest thumbnail covering 175 × dpr (demo art is only 600 px wide)
      for (const c of cards) expect(c.src).toMatch(new RegExp(`-${Math.min(want, Math.max(...c.widths))}\\.webp$`));
      // the preloads in the HTML are the very files the cards show: nothing fetched twice
      expect(shown.every((p) => thumbRequests.filter((r) => r === p).length === 1)).toBe(true);
    } finally {
      await ctx.close();
    }
  });

  it('square art is shown whole on its card and on its page', async () => {
    const ctx = await browser.newContext({ viewport: { width: 1366, height: 900 } });
    try {
      const page = await ctx.newPage();
      await page.goto(`${s.url}/?q=square`);
      const card = page.getByTestId('character-card').first().locator('img');
      await card.waitFor();
      expect(await card.evaluate((i) => getComputedStyle(i).objectFit)).toBe('contain');
      await page.goto(`${s.url}/c/${squareId}`);
      const detail = page.getByTestId('detail-image');
      await detail.waitFor();
      await page.waitForFunction(
        () => (document.querySelector('[data-testid=detail-image]') as HTMLImageElement | null)?.complete,
      );
      // the page's picture comes from the srcset (720 px thumbnail or the original), not always the original
      expect(await detail.getAttribute('srcset')).toMatch(/-720\.webp 720w, \/images\/originals\/.+ 1000w$/);
      const box = (await detail.boundingBox())!;
      const nat = await detail.evaluate((i) => [
        (i as HTMLImageElement).naturalWidth,
        (i as HTMLImageElement).naturalHeight,
      ]);
      expect(nat[0]).toBe(nat[1]);
      expect(await detail.evaluate((i) => getComputedStyle(i).objectFit)).toBe('contain');
      expect(box.width).toBeGreaterThan(0);
      fs.mkdirSync('test-results/screenshots', { recursive: true });
      await page.screenshot({ path: 'test-results/screenshots/square-art-detail.png' });
    } finally {
      await ctx.close();
    }
  });
});

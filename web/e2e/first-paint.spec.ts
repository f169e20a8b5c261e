/**
 * The home page's first paint comes from the HTML alone (server/src/routes/home-shell.ts), and the app
 * takes over without anything moving: the same boxes with JavaScript off (the server's markup) and on
 * (the app's), no layout shift while it mounts, the inlined placeholders showing at once, the inlined
 * critical CSS enough for the first screen before the whole stylesheet arrives, and the CSP still strict
 * (inline CSS and script allowed by hash only).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContextOptions, Page } from 'playwright-core';
import type { TestServer } from '../../server/src/testing/test-server.js';
import { generateDemoImage } from '@waifudex/core/images/demo-images';
import { ensureWebBuilt, hasChromium, launchBrowser, seed, startAppServer } from './helpers.js';

const SHOTS = new URL('../../test-results/screenshots/', import.meta.url).pathname;
const SIZES: Record<string, BrowserContextOptions> = {
  phone: { viewport: { width: 390, height: 844 }, deviceScaleFactor: 3, isMobile: true, hasTouch: true },
  desktop: { viewport: { width: 1366, height: 900 } },
};
// Boxes of the first screen, by selectors that hold for both markups.
const BOXES = [
  'nav.navbar',
  '.navbar-brand',
  'section.hero',
  '#who-title',
  '.drop-zone',
  '#search-url',
  '#gallery-title',
  '#gallery-search',
  '#f-sort',
  '#gallery p.small',
  '#app article.card:nth-of-type(1)',
  '#app li:nth-child(1) article.card',
  '#app li:nth-child(2) article.card',
  '#app li:nth-child(3) article.card',
  '#app li:nth-child(4) article.card',
  '#app li:nth-child(5) article.card',
  '#app li:nth-child(7) article.card',
  '#app li:nth-child(7) article.card h3',
  '#app li:nth-child(1) article.card img',
  '#app li:nth-child(1) article.card h3',
];

async function boxes(page: Page): Promise<Record<string, string>> {
  return page.evaluate(
    (sels) =>
      Object.fromEntries(
        sels.map((s) => {
          const r = document.querySelector(s)?.getBoundingClientRect();
          return [s, r ? [r.x, r.y, r.width, r.height].map((v) => Math.round(v)).join(',') : 'missing'];
        }),
      ),
    BOXES,
  );
}

describe.skipIf(!hasChromium)('first paint from the HTML (Chromium)', () => {
  let s: TestServer;
  let browser: Browser;

  beforeAll(async () => {
    ensureWebBuilt();
    [s, browser] = await Promise.all([startAppServer(), launchBrowser()]);
    // three older characters: cards past the fourth (a desktop row and more) come without a picture first
    for (let i = 0; i < 3; i++)
      await s.ingest.ingestImage({
        bytes: await generateDemoImage(40 + i, `Older ${i}`),
        caption: `Name: Older ${i}\nAnime: Extra`,
      });
    await seed(s);
  });
  afterAll(async () => {
    await browser?.close();
    await s?.close();
  });

  it.each(Object.keys(SIZES))('%s: the server markup and the mounted app have the same boxes', async (size) => {
    const noJs = await browser.newContext({ ...SIZES[size], javaScriptEnabled: false });
    const withJs = await browser.newContext(SIZES[size]);
    try {
      const plain = await noJs.newPage();
      await plain.goto(`${s.url}/`);
      await plain.waitForFunction(() => document.querySelectorAll('#app article.card img').length > 0);
      // the first six cards' placeholders are in the HTML: decoded with no image request at all
      const firstImgs = await plain.$$eval('#app article.card img', (imgs) =>
        imgs.map((i) => ({
          inline: (i as HTMLImageElement).src.startsWith('data:image/webp;base64,'),
          decoded: (i as HTMLImageElement).complete && (i as HTMLImageElement).naturalWidth > 0,
        })),
      );
      expect(firstImgs).toEqual(Array(6).fill({ inline: true, decoded: true }));
      expect(await plain.locator('#app h3').allTextContents()).toEqual(
        ['Asuna Yuuki', 'Rem', 'Mikasa Ackerman', 'Nico Robin', 'Older 2', 'Older 1', 'Older 0'], // newest first
      );
      // pictures for the first six cards only, the others an empty box of the same size
      expect(await plain.locator('#app article.card img').count()).toBe(6);
      await plain.screenshot({ path: `${SHOTS}first-paint-${size}-html-only.png` });
      const before = await boxes(plain);

      const page = await withJs.newPage();
      await page.addInitScript(() => {
        const w = window as unknown as { __shift: number };
        w.__shift = 0;
        new PerformanceObserver((list) => {
          for (const e of list.getEntries() as (PerformanceEntry & { value: number })[]) w.__shift += e.value;
        }).observe({ type: 'layout-shift', buffered: true });
      });
      await page.goto(`${s.url}/`);
      await page.getByTestId('character-card').nth(3).waitFor();
      await page.getByTestId('drop-zone').waitFor();
      // the app's cards show their srcset picture, with the inlined one underneath until it loads
      await page.waitForFunction(() =>
        [...document.querySelectorAll<HTMLImageElement>('[data-testid=character-card] img')]
          .slice(0, 4)
          .every((i) => i.complete && i.naturalWidth > 0 && /-\d+\.webp$/.test(i.currentSrc)),
      );
      const under = await page.$$eval('[data-testid=character-card] img', (imgs) =>
        imgs.map((i) => (i as HTMLElement).style.backgroundImage.startsWith('url("data:image/webp')),
      );
      expect(under).toEqual([true, true, true, true, true, true, false]);
      await page.waitForTimeout(300);
      const after = await boxes(page);
      await page.screenshot({ path: `${SHOTS}first-paint-${size}-app.png` });
      expect(after).toEqual(before);
      expect(Object.values(after)).not.toContain('missing');
      expect(await page.evaluate(() => (window as unknown as { __shift: number }).__shift)).toBeLessThan(0.01);
    } finally {
      await noJs.close();
      await withJs.close();
    }
  });

  it('the inline stylesheet and theme script are allowed by their hashes only', async () => {
    const res = await fetch(`${s.url}/`);
    const csp = res.headers.get('content-security-policy')!;
    const html = await res.text();
    expect(html).toContain('<style>');
    // the whole stylesheet only after the first screen (the head has the part the first screen needs)
    expect(html.indexOf('<link rel="stylesheet"')).toBeGreaterThan(html.indexOf('<div id="app">'));
    expect(html).not.toContain('<script src="/theme.js">');
    expect(csp).toMatch(/script-src 'self'( 'sha256-[A-Za-z0-9+/=]+'){2};/); // the theme and the early picker
    expect(csp).toMatch(/style-src 'self' 'sha256-[A-Za-z0-9+/=]+';/);
    expect(csp).not.toContain('unsafe-inline');
    // other pages keep the plain built page
    const other = await (await fetch(`${s.url}/account`)).text();
    expect(other).toMatch(/<link rel="stylesheet"/);
  });

  it.each(Object.keys(SIZES))(
    '%s: the inlined critical CSS lays out the first screen as the whole stylesheet does',
    async (size) => {
      const whole = await browser.newContext({ ...SIZES[size], javaScriptEnabled: false });
      const critical = await browser.newContext({ ...SIZES[size], javaScriptEnabled: false });
      try {
        const a = await whole.newPage();
        await a.goto(`${s.url}/`, { waitUntil: 'load' });
        expect(await a.evaluate(() => document.styleSheets.length)).toBe(2);
        const b = await critical.newPage();
        await b.route(/\/assets\/.*\.css$/, (r) => r.abort());
        await b.goto(`${s.url}/`, { waitUntil: 'load' });
        // only the inline one has rules (the link failed)
        expect(
          await b.evaluate(
            () =>
              [...document.styleSheets].filter((x) => {
                try {
                  return x.cssRules.length > 0;
                } catch {
                  return false;
                }
              }).length,
          ),
        ).toBe(1);
        await b.screenshot({ path: `${SHOTS}first-paint-${size}-critical-css.png` });
        expect(await boxes(b)).toEqual(await boxes(a));
        // and the same colours (the theme, the hero's gradient, the buttons)
        const look = (p: Page) =>
          p.$$eval('body, nav.navbar, section.hero, .drop-zone, .btn-outline-primary, #app article.card', (els) =>
            els.map((e) => {
              const c = getComputedStyle(e);
              return `${c.color} ${c.backgroundColor} ${c.backgroundImage} ${c.borderColor} ${c.boxShadow}`;
            }),
          );
        expect(await look(b)).toEqual(await look(a));
      } finally {
        await whole.close();
        await critical.close();
      }
    },
  );

  it('a dark-mode phone gets the dark theme before the app runs', async () => {
    const ctx = await browser.newContext({ ...SIZES.phone, colorScheme: 'dark' });
    try {
      const page = await ctx.newPage();
      await page.route(/\/assets\/.*\.js$/, (r) => r.abort());
      await page.goto(`${s.url}/`);
      expect(await page.evaluate(() => document.documentElement.getAttribute('data-bs-theme'))).toBe('dark');
      expect(await page.locator('#app article.card').count()).toBe(7);
    } finally {
      await ctx.close();
    }
  });
});

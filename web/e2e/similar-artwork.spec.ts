/**
 * "Similar artwork" on a character page when CLIP is on (issue 12), at phone and desktop size: the
 * look-alikes the API offers are shown, labelled as similar (never as the same character), and link to
 * those characters. The model is the tests' tiny CLIP-shaped ONNX model run by the real embedder.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import type { Browser } from 'playwright-core';
import { startSimilarServer, type SimilarServer } from '../../server/src/testing/similar-server.js';
import { adminCharactersRouter, ensureWebBuilt, hasChromium, launchBrowser, webDist } from './helpers.js';

const SHOTS = new URL('../../test-results/screenshots/', import.meta.url).pathname;
const SIZES = {
  phone: { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true },
  desktop: { viewport: { width: 1366, height: 900 } },
} as const;

describe.skipIf(!hasChromium)('similar artwork on a character page (CLIP on)', () => {
  let s: SimilarServer;
  let browser: Browser;
  let ids: string[] = [];

  beforeAll(async () => {
    ensureWebBuilt();
    fs.mkdirSync(SHOTS, { recursive: true });
    s = await startSimilarServer({
      webDir: webDist,
      routers: (deps) => [adminCharactersRouter(deps)],
      pictures: Array.from({ length: 5 }, (_, i) => ({
        seed: i + 20,
        name: `Look ${i}`,
        caption: `Name: Look ${i}\nAnime: Look ${i} Show`,
      })),
    });
    ids = s.artworks.map((a) => a.characterId);
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await s?.close();
  });

  for (const size of ['phone', 'desktop'] as const)
    it(`${size}: shows the look-alikes the API offers, labelled as similar, linking to them`, async () => {
      const ctx = await browser.newContext({ ...SIZES[size] });
      try {
        const page = await ctx.newPage();
        const errors: string[] = [];
        page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
        await page.goto(`${s.url}/c/${ids[0]}`);
        const section = page.getByTestId('similar-artwork');
        await section.waitFor();
        const api = await (await fetch(`${s.url}/api/v1/characters/${ids[0]}/similar?k=8`)).json();
        expect(api.enabled).toBe(true);
        expect(api.items.length).toBeGreaterThan(0);
        const links = await section.locator('a').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
        expect(links).toEqual(api.items.map((x: { character: { id: string } }) => `/c/${x.character.id}`));
        expect(links).not.toContain(`/c/${ids[0]}`);
        expect(await section.getByRole('heading').textContent()).toBe('Similar artwork');
        expect(await section.textContent()).toContain('They are other characters, not this one.');
        // every look-alike says "similar" under its picture, and its picture loads
        expect(await section.locator('li').count()).toBe(api.items.length);
        for (const li of await section.locator('li').all()) expect(await li.textContent()).toMatch(/similar$/);
        await section.scrollIntoViewIfNeeded();
        await page.waitForFunction(() =>
          [...document.querySelectorAll<HTMLImageElement>('[data-testid=similar-artwork] img')].every(
            (i) => i.complete && i.naturalWidth > 0,
          ),
        );
        await page.screenshot({ path: `${SHOTS}similar-${size}.png`, fullPage: true });
        await section.locator('a').first().click();
        await page.waitForURL(`${s.url}/c/${api.items[0].character.id}`);
        expect(errors).toEqual([]);
      } finally {
        await ctx.close();
      }
    });
});

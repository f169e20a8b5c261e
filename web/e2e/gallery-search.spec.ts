/**
 * The gallery as visitors use it (issue 12), at phone and desktop size on the built app: search that
 * finds what people type, "did you mean", autocomplete, filters with counts, the URL as the state
 * (Back/forward restore the search and the scroll position), infinite scroll with a pager, page titles,
 * and axe-core with no violations on every public page.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { generateDemoImage } from '@waifudex/core/images/demo-images';
import { ensureLocalChannel, upsertChannelByPeer } from '@waifudex/core/repos/channels.repo';
import type { TestServer } from '../../server/src/testing/test-server.js';
import { ensureWebBuilt, hasChromium, launchBrowser, mapLimit, startAppServer } from './helpers.js';

const SHOTS = new URL('../../test-results/screenshots/', import.meta.url).pathname;
const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
const SIZES = {
  phone: { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true },
  desktop: { viewport: { width: 1366, height: 900 } },
} as const;

const NAMED: Array<[name: string, anime: string, emoji: string, rarity: string, id: string]> = [
  ['Necrozma', 'Pokémon', '🟡', 'Legendary', '1089'],
  ['Blacephalon', 'Pokémon', '🟣', 'Rare', '0042'],
  ['Hu Tao', 'Genshin Impact', '🟡', 'Legendary', '7'],
  ['Raiden Shogun', 'Genshin Impact', '🟣', 'Rare', '108'],
];

describe.skipIf(!hasChromium)('gallery search and navigation (Chromium, phone and desktop)', () => {
  let s: TestServer;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const consoleErrors: string[] = [];

  async function open(size: keyof typeof SIZES, path = '/'): Promise<Page> {
    const ctx = await browser.newContext({ ...SIZES[size] });
    contexts.push(ctx);
    const page = await ctx.newPage();
    page.setDefaultTimeout(15_000);
    page.on('console', (m) => m.type() === 'error' && consoleErrors.push(`${page.url()}: ${m.text()}`));
    await page.goto(`${s.url}${path}`);
    return page;
  }
  async function waitForNames(page: Page, names: string[]) {
    await page.waitForFunction((want) => {
      const got = [...document.querySelectorAll('[data-testid=character-name]')].map((e) => e.textContent).sort();
      return (
        JSON.stringify(got) === JSON.stringify([...want].sort()) &&
        !document.querySelector('[data-testid=gallery-grid][aria-busy=true]')
      );
    }, names);
  }
  /** Starts recording the page's scroll positions (the window survives in-app navigation). */
  async function watchScroll(page: Page) {
    await page.evaluate(() => {
      const w = window as unknown as { scrolls: number[] };
      w.scrolls = [];
      addEventListener('scroll', () => w.scrolls.push(scrollY));
    });
  }
  /** Waits until the place is restored, and checks it jumped there: no animation from the top (it would land late). */
  async function restoredTo(page: Page, want: number) {
    await page.waitForFunction((w) => Math.abs(scrollY - w) < 40, want);
    const seen = await page.evaluate(() => (window as unknown as { scrolls: number[] }).scrolls);
    expect(seen.filter((y) => y > 40 && Math.abs(y - want) >= 40)).toEqual([]);
  }

  const axeSource = fs.readFileSync(AXE, 'utf8');
  async function axe(page: Page, what: string) {
    // evaluated through the DevTools protocol, which the app's CSP (no inline script) does not block; once
    // per document (the app's own navigations keep it)
    if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(axeSource);
    const violations = await page.evaluate(async () => {
      const r = await (
        window as unknown as {
          axe: {
            run: (o: object) => Promise<{ violations: Array<{ id: string; nodes: Array<{ target: string[] }> }> }>;
          };
        }
      ).axe.run({ resultTypes: ['violations'] });
      return r.violations.map(
        (v) =>
          `${v.id}: ${v.nodes
            .slice(0, 3)
            .map((n) => `${n.target.join(' ')} ${(n as unknown as { failureSummary?: string }).failureSummary ?? ''}`)
            .join(' | ')}`,
      );
    });
    expect(violations, what).toEqual([]);
  }

  beforeAll(async () => {
    ensureWebBuilt();
    fs.mkdirSync(SHOTS, { recursive: true });
    [s, browser] = await Promise.all([startAppServer(), launchBrowser()]);
    const a = await upsertChannelByPeer(s.db, { peerId: '1001', title: 'Waifu Spawns', username: 'WaifuSpawns' });
    const b = await ensureLocalChannel(s.db, 'Genshin Drops');
    // 26 fillers + 4 named: more than one page of 24
    const fillers = Array.from(
      { length: 26 },
      (_, i) => async () =>
        s.ingest.ingestImage({
          bytes: await generateDemoImage(200 + i, `Extra ${i}`),
          caption: `Name: Villager ${String.fromCharCode(65 + i)}\nAnime: Animal Crossing\n⚪ Rarity: Common\nID: ${500 + i}`,
          channel: a,
          messageId: 100 + i,
        }),
    );
    const named = NAMED.map(
      ([name, anime, emoji, rarity, id], i) =>
        async () =>
          s.ingest.ingestImage({
            bytes: await generateDemoImage(300 + i, name),
            caption: `🌸 Name: ${name}\n📺 Anime: ${anime}\n${emoji} Rarity: ${rarity}\n🆔 ID: ${id}`,
            channel: i < 2 ? a : b,
            messageId: i + 1,
          }),
    );
    await mapLimit([...fillers, ...named], 4, (ingest) => ingest());
  });
  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await s?.close();
  });

  for (const size of ['phone', 'desktop'] as const) {
    it(`${size}: finds a typo, a rarity word, a bot id and a name typed without its space`, async () => {
      const page = await open(size);
      await page.getByTestId('character-card').first().waitFor();
      expect(await page.title()).toBe('Who is this? · Waifudex');
      for (const [q, want] of [
        ['necrosma', ['Necrozma']],
        ['legendary', ['Necrozma', 'Hu Tao']],
        ['1089', ['Necrozma']],
        ['hutao', ['Hu Tao']],
      ] as const) {
        await page.getByTestId('search-input').fill(q);
        await waitForNames(page, [...want]);
        expect(new URL(page.url()).searchParams.get('q')).toBe(q);
        expect(await page.title()).toBe(`“${q}” · Gallery · Waifudex`);
      }
      await page.screenshot({ path: `${SHOTS}gallery-${size}-search.png` });
      await page.getByTestId('search-input').fill('hootao');
      await page.getByTestId('did-you-mean').waitFor();
      await page.screenshot({ path: `${SHOTS}gallery-${size}-did-you-mean.png` });
      await page.getByTestId('did-you-mean').click();
      await waitForNames(page, ['Hu Tao']);
      expect(await page.getByTestId('search-input').inputValue()).toBe('Hu Tao');
    });
  }

  it('phone: autocomplete offers names and anime with counts; picking an anime filters by it', async () => {
    const page = await open('phone');
    await page.getByTestId('character-card').first().waitFor();
    await page.getByTestId('search-input').fill('gensh');
    await page.getByTestId('suggestion').first().waitFor();
    const texts = await page.getByTestId('suggestion').allTextContents();
    expect(texts).toHaveLength(1);
    expect(texts[0]).toMatch(/^\s*Genshin Impact\s*· anime\s*2\s*$/);
    await page.screenshot({ path: `${SHOTS}gallery-phone-autocomplete.png` });
    await page.getByTestId('suggestion').first().click();
    await waitForNames(page, ['Hu Tao', 'Raiden Shogun']);
    expect(new URL(page.url()).searchParams.get('anime')).toBe('Genshin Impact');
    expect(await page.getByTestId('filter-anime').inputValue()).toBe('Genshin Impact');
  });

  it('desktop: filters with counts and sorts live in the address; Back and Forward restore them', async () => {
    const page = await open('desktop');
    await page.getByTestId('character-card').first().waitFor();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=filter-rarity] option').length > 1);
    const options = await page.getByTestId('filter-rarity').locator('option').allTextContents();
    expect(options).toEqual(['All', '⚪ Common (26)', '🟡 Legendary (2)', '🟣 Rare (2)']);
    await page.getByTestId('filter-rarity').selectOption('Rare');
    await waitForNames(page, ['Blacephalon', 'Raiden Shogun']);
    expect(await page.title()).toBe('Rare · Gallery · Waifudex');
    await page.getByTestId('sort').selectOption('name');
    await page.waitForFunction(() => new URL(location.href).searchParams.get('sort') === 'name');
    await page.waitForFunction(
      () =>
        [...document.querySelectorAll('[data-testid=character-name]')].map((e) => e.textContent).join() ===
        'Blacephalon,Raiden Shogun',
    );
    const channels = await page.getByTestId('filter-channel').locator('option').allTextContents();
    expect(channels).toEqual(['All', 'Genshin Drops (1)', 'Waifu Spawns (1)']);
    await page.getByTestId('filter-channel').selectOption({ label: 'Genshin Drops (1)' });
    await waitForNames(page, ['Raiden Shogun']);
    await page.screenshot({ path: `${SHOTS}gallery-desktop-filters.png` });
    await page.goBack();
    await waitForNames(page, ['Blacephalon', 'Raiden Shogun']);
    await page.goBack();
    await page.waitForFunction(() => !new URL(location.href).searchParams.has('sort'));
    await waitForNames(page, ['Blacephalon', 'Raiden Shogun']);
    expect(await page.getByTestId('filter-rarity').inputValue()).toBe('Rare');
    expect(await page.title()).toBe('Rare · Gallery · Waifudex');
    await page.goForward();
    await page.waitForFunction(() => new URL(location.href).searchParams.get('sort') === 'name');
    expect(await page.getByTestId('sort').inputValue()).toBe('name');
  });

  for (const size of ['phone', 'desktop'] as const) {
    it(`${size}: infinite scroll, and Back from a character page restores the search and the scroll position`, async () => {
      const page = await open(size, '/?q=villager');
      await page.getByTestId('character-card').nth(23).waitFor();
      expect(await page.getByTestId('character-card').count()).toBe(24);
      await page.getByTestId('character-card').nth(23).scrollIntoViewIfNeeded();
      await page.getByTestId('character-card').nth(25).waitFor(); // page 2 appended
      await page.getByTestId('page-info').filter({ hasText: 'Page 1–2 of 2' }).waitFor();
      const card = page.getByTestId('character-link').nth(20);
      await card.scrollIntoViewIfNeeded();
      const y = await page.evaluate(() => scrollY);
      expect(y).toBeGreaterThan(500);
      const name = (await card.getByTestId('character-name').textContent())!;
      await card.click();
      await page.getByTestId('detail-name').filter({ hasText: name }).waitFor();
      expect(await page.title()).toBe(`${name} · Animal Crossing · Waifudex`);
      expect(await page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('detail-name');
      await page.getByTestId('more-from-anime').waitFor();
      // a public channel's post is linked
      const letter = name.slice(-1).charCodeAt(0) - 65;
      expect(await page.getByTestId('source-post').getAttribute('href')).toBe(
        `https://t.me/WaifuSpawns/${100 + letter}`,
      );
      await page.screenshot({ path: `${SHOTS}character-${size}.png` });
      await watchScroll(page);
      await page.goBack();
      await page.getByTestId('character-card').nth(25).waitFor();
      await restoredTo(page, y);
      expect(await page.getByTestId('search-input').inputValue()).toBe('villager');
      // the in-page Back link does the same
      const again = page.getByTestId('character-link').nth(20);
      await again.scrollIntoViewIfNeeded();
      const y2 = await page.evaluate(() => scrollY);
      await again.click();
      await page.getByTestId('detail-name').waitFor();
      await watchScroll(page);
      await page.getByTestId('back-link').click();
      await page.getByTestId('character-card').nth(25).waitFor();
      await restoredTo(page, y2);
      expect(new URL(page.url()).search).toBe('?q=villager');
    });
  }

  it('phone: the pager is real links; changing page goes to the top of the grid, not above the upload box', async () => {
    const page = await open('phone', '/?q=villager&page=2');
    await page.getByTestId('page-info').filter({ hasText: 'Page 2 of 2' }).waitFor();
    expect(await page.getByTestId('character-card').count()).toBe(2);
    expect(await page.getByTestId('prev-page').getAttribute('href')).toBe('/?q=villager');
    await page.getByTestId('prev-page').click();
    await page
      .getByTestId('page-info')
      .filter({ hasText: /^Page 1/ })
      .waitFor();
    await page.waitForFunction(() => Math.abs(document.getElementById('gallery')!.getBoundingClientRect().top - 8) < 4);
  });

  it('axe-core finds no violations on the home page, a search with no result, a character page and the login page, in light and dark', async () => {
    /** Checks the page as it stands in both schemes: the theme follows the system's live (web/public/theme.js). */
    async function inBothSchemes(page: Page, what: string, then?: () => Promise<unknown>) {
      for (const colorScheme of ['light', 'dark'] as const) {
        await page.emulateMedia({ colorScheme });
        // and the colours have finished their transitions into it
        await page.waitForFunction(
          (want) =>
            document.documentElement.dataset.bsTheme === want &&
            !document.getAnimations().some((a) => a instanceof CSSTransition),
          colorScheme,
        );
        await axe(page, `${what} ${colorScheme}`);
      }
      await then?.();
      await page.emulateMedia({ colorScheme: 'light' });
    }
    for (const size of ['phone', 'desktop'] as const) {
      const page = await open(size);
      await page.getByTestId('character-card').first().waitFor();
      await inBothSchemes(page, `home ${size}`);
      await page.getByTestId('search-input').fill('hootao');
      await page.getByTestId('did-you-mean').waitFor();
      await inBothSchemes(page, `no result ${size}`);
      await page.getByTestId('search-input').fill('');
      await page.getByTestId('character-link').first().click();
      await page.getByTestId('detail-name').waitFor();
      await inBothSchemes(page, `character ${size}`, () =>
        page.screenshot({ path: `${SHOTS}character-${size}-dark.png` }),
      );
      await page.goto(`${s.url}/admin/login`);
      await page.getByTestId('login-username').waitFor();
      await inBothSchemes(page, `login ${size}`);
    }
  });

  it('logs no console error on any of these visits', () => {
    expect(consoleErrors).toEqual([]);
  });
});

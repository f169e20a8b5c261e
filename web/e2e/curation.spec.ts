import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { generateDemoImage } from '@waifudex/core/images/demo-images';
import { makeVariant } from '@waifudex/core/images/query-variants';
import { ensureLocalChannel, upsertChannelByPeer, type Channel } from '@waifudex/core/repos/channels.repo';
import { recordGapFailure } from '@waifudex/core/repos/sync-gaps.repo';
import { recordSkippedPost } from '@waifudex/core/repos/skipped-posts.repo';
import { createIngestService } from '@waifudex/core/services/ingest.service';
import { testLogger } from '@waifudex/core/testing/test-db';
import { startTestServer, type TestServer } from '../../server/src/testing/test-server.js';
import { requireAdmin } from '../../server/src/middleware/auth.js';
import { adminCharacterRoutes } from '../../server/src/routes/admin-characters.routes.js';
import { curationRoutes } from '../../server/src/routes/curation.routes.js';
import { ensureWebBuilt, hasChromium, launchBrowser, webDist } from './helpers.js';

const SHOTS = new URL('../../test-results/screenshots/', import.meta.url).pathname;
const PASSWORD = 'correct horse battery';
const SIZES = { desktop: { width: 1366, height: 900 }, phone: { width: 390, height: 844 } } as const;
const caption = (name: string, anime: string, id: string) =>
  `🌸 Name: ${name}\n📺 Anime: ${anime}\n🟡 Rarity: Legendary\n🆔 ID: ${id}`;

describe.skipIf(!hasChromium)('curation journeys (Chromium)', () => {
  let s: TestServer;
  let browser: Browser;
  let chA: Channel;
  const ids: Record<string, string> = {};
  const art: Record<string, string> = {};

  async function post(key: string, channel: Channel, messageId: number, text: string, bytes?: Buffer) {
    const out = await s.ingest.ingestImage({
      bytes: bytes ?? (await generateDemoImage(500 + messageId, key)),
      caption: text,
      channel,
      messageId,
    });
    ids[key] = out.characterId;
    art[key] = out.artworkId;
  }

  async function signIn(size: keyof typeof SIZES): Promise<Page> {
    const ctx = await browser.newContext({
      viewport: SIZES[size],
      ...(size === 'phone' ? { isMobile: true, hasTouch: true, deviceScaleFactor: 2 } : {}),
    });
    const page = await ctx.newPage();
    page.setDefaultTimeout(15_000);
    await page.goto(`${s.url}/admin/login?next=/admin`);
    await page.getByTestId('login-username').fill('admin');
    await page.getByTestId('login-password').fill(PASSWORD);
    await page.getByTestId('login-submit').click();
    await page.getByTestId('admin-area').waitFor();
    return page;
  }

  beforeAll(async () => {
    ensureWebBuilt();
    fs.mkdirSync(SHOTS, { recursive: true });
    [s, browser] = await Promise.all([
      startTestServer({
        webDir: webDist,
        routers: ({ db, imagesDir }) => {
          const ingest = createIngestService({ db, imagesDir, logger: testLogger });
          return [
            adminCharacterRoutes({ db, imagesDir, requireAdmin, ingest }),
            curationRoutes({ db, imagesDir, requireAdmin, ingest, fileCheckTtlMs: 0 }),
          ];
        },
      }),
      launchBrowser(),
    ]);
    chA = await upsertChannelByPeer(s.db, { peerId: '9001', title: 'Waifu Spawns', username: 'WaifuSpawns' });
    const chB = await ensureLocalChannel(s.db, 'Genshin Drops');
    const hutao = await generateDemoImage(501, 'Hu Tao');
    await post('Hu Tao', chA, 1, caption('Hu Tao', 'Genshin Impact', '7'), hutao);
    await post('Hu Tao 2', chB, 2, caption('Hu Tao', 'Genshin Impact', '301'));
    await post('HuTao', chB, 3, caption('HuTao', 'Genshin Impact', '8'));
    await post('Rem', chA, 4, caption('Rem', 'Re:Zero', '500'));
    await post('Ram', chA, 5, caption('Ram', 'Re:Zero', '500'));
    await post('Keqing', chB, 6, caption('Keqing', 'Genshin Impact', '44'), await makeVariant(hutao, 'jpeg30'));
    await post('unclear', chB, 7, 'Hyouka - Eru Chitanda');
    await post('Nahida', chA, 8, caption('Nahida', 'Genshin Impact', '9'));
    await recordGapFailure(s.db, {
      channelId: chA.id,
      messageId: 42,
      reason: 'download',
      error: 'FILE_REFERENCE_EXPIRED',
    });
    await recordSkippedPost(s.db, {
      channelId: chA.id,
      messageId: 43,
      reason: 'bot_event',
      caption: 'A wild waifu appeared!\nUse /guess <name> to catch her.',
    });
    const nahida = await s.db.query('SELECT file_path FROM artworks WHERE id = $1', [art['Nahida']]);
    fs.rmSync(path.join(s.imagesDir, nahida.rows[0].file_path));
    await s.auth.setAdminPassword('admin', PASSWORD);
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await s?.close();
  });

  it('the queue shows each kind with its counts, raw caption beside the parsed fields; its fixes work (desktop and phone)', async () => {
    for (const size of ['desktop', 'phone'] as const) {
      const page = await signIn(size);
      // counts on the admin home lead to the queue
      await expect.poll(() => page.getByTestId('quality-count-review').textContent()).toContain('1');
      expect(await page.getByTestId('quality-count-skipped_post').textContent()).toContain('Not characters 1');
      await page.getByTestId('quality-count-review').click();
      await page.getByTestId('admin-quality').waitFor();
      const entry = page.getByTestId('quality-entry').first();
      await expect
        .poll(() => entry.getByTestId('quality-raw-caption').textContent())
        .toContain('Hyouka - Eru Chitanda');
      expect(await entry.getByTestId('quality-parsed').textContent()).toContain('Name');
      await page.screenshot({ path: `${SHOTS}quality-${size}-review.png`, fullPage: true });

      await page.getByTestId('quality-kind-card_conflict').click();
      await expect.poll(() => page.getByTestId('quality-post').count()).toBe(2);
      expect(await page.getByTestId('quality-parsed').allTextContents()).toEqual([
        expect.stringContaining('Rem'),
        expect.stringContaining('Ram'),
      ]);
      await page.screenshot({ path: `${SHOTS}quality-${size}-card-conflict.png`, fullPage: true });

      await page.getByTestId('quality-kind-missing_file').click();
      await expect.poll(() => page.getByTestId('quality-problem').textContent()).toContain('original missing');
      await page.getByTestId('quality-kind-sync_gap').click();
      await expect.poll(() => page.getByTestId('quality-gap-reason').textContent()).toBe('download');
      await page.screenshot({ path: `${SHOTS}quality-${size}-sync-gap.png`, fullPage: true });
      await page.getByTestId('quality-kind-skipped_post').click();
      await expect.poll(() => page.getByTestId('quality-skipped-reason').textContent()).toBe('bot event message');
      expect(await page.getByTestId('quality-skipped-caption').textContent()).toBe(
        'A wild waifu appeared!\nUse /guess <name> to catch her.',
      );
      expect(await page.getByTestId('quality-skipped-link').getAttribute('href')).toBe('https://t.me/WaifuSpawns/43');
      expect(await page.getByTestId('quality-dismiss').textContent()).toContain('Dismiss');
      // phone: the entry fits the screen (no sideways scrolling)
      expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
      await page.screenshot({ path: `${SHOTS}quality-${size}-skipped-post.png`, fullPage: true });
      await page.context().close();
    }

    const page = await signIn('desktop');
    await page.goto(`${s.url}/admin/quality?kind=near_duplicate`);
    const merge = page.getByTestId('quality-merge');
    await expect.poll(() => merge.textContent()).toContain('into');
    expect(await merge.textContent()).toMatch(/Merge (Keqing into Hu Tao|Hu Tao into Keqing)/);
    await merge.click();
    await expect.poll(() => page.getByTestId('quality-notice').textContent()).toContain('Merged');
    await page.getByTestId('quality-empty').waitFor();
    expect(await page.getByTestId('quality-kind-count-near_duplicate').textContent()).toBe('0');

    await page.getByTestId('quality-kind-sync_gap').click();
    await page.getByTestId('quality-retry').click();
    await expect.poll(() => page.getByTestId('quality-notice').textContent()).toContain('tries this message again');
    await page.getByTestId('quality-dismiss').click();
    await page.getByTestId('quality-empty').waitFor();
    expect((await s.db.query('SELECT count(*)::int AS n FROM sync_gaps')).rows[0].n).toBe(0);

    await page.getByTestId('quality-kind-skipped_post').click();
    await page.getByTestId('quality-dismiss').click();
    await expect.poll(() => page.getByTestId('quality-notice').textContent()).toContain('Dismissed');
    await page.getByTestId('quality-empty').waitFor();
    expect(await page.getByTestId('quality-kind-count-skipped_post').textContent()).toBe('0');
    expect((await s.db.query('SELECT count(*)::int AS n FROM skipped_posts')).rows[0].n).toBe(0);
    await page.context().close();
  }, 180_000);

  it('merges a name variant from the character editor, keeps it searchable, and undoes the merge (desktop and phone)', async () => {
    for (const size of ['desktop', 'phone'] as const) {
      const page = await signIn(size);
      await page.goto(`${s.url}/admin/characters/${ids['Hu Tao']}`);
      await page.getByTestId('merge-search').fill('HuTao');
      const candidate = page.getByTestId('merge-candidates').locator('li', { hasText: 'HuTao' });
      await candidate.getByTestId('merge-candidate').click();
      await expect.poll(() => page.getByTestId('curation-notice').textContent()).toContain('Merged HuTao into Hu Tao');
      await expect.poll(() => page.getByTestId('curation-aliases').textContent()).toContain('HuTao');
      await page.getByTestId('curation').scrollIntoViewIfNeeded();
      await page.screenshot({ path: `${SHOTS}merge-${size}-merged.png` });
      // the gallery shows one Hu Tao with its artworks, and the alias finds it
      const gallery = await (await fetch(`${s.url}/api/v1/characters?q=HuTao`)).json();
      expect(gallery.items.map((c: { id: string }) => c.id)).toEqual([ids['Hu Tao']]);
      expect(gallery.items[0].artwork_count).toBeGreaterThanOrEqual(3);

      await page.getByTestId('merge-undo').click();
      await expect
        .poll(() => page.getByTestId('curation-notice').textContent())
        .toContain('HuTao is a character of its own again');
      // Keqing, merged from the queue before, stays an alias
      await expect.poll(() => page.getByTestId('curation-aliases').textContent()).not.toContain('HuTao');
      expect((await fetch(`${s.url}/api/v1/characters/${ids['HuTao']}`)).status).toBe(200);
      await page.context().close();
    }
  }, 180_000);

  it('the public character page lists each artwork with its own post, and the gallery card its count', async () => {
    const ctx = await browser.newContext({
      viewport: SIZES.phone,
      isMobile: true,
      hasTouch: true,
      deviceScaleFactor: 2,
    });
    const page = await ctx.newPage();
    await page.goto(`${s.url}/c/${ids['Hu Tao']}`);
    await expect.poll(() => page.getByTestId('detail-artwork-post').count()).toBeGreaterThanOrEqual(2);
    const posts = await page.getByTestId('detail-artwork-post').allTextContents();
    expect(posts.join(' ')).toContain('#7');
    expect(posts.join(' ')).toContain('#301');
    await page.screenshot({ path: `${SHOTS}character-phone-artworks.png`, fullPage: true });
    await page.goto(`${s.url}/`);
    const card = page.getByTestId('character-card').filter({ hasText: 'Hu Tao' });
    await expect.poll(() => card.getByTestId('character-artwork-count').textContent()).toContain('3');
    await ctx.close();
  }, 60_000);
});

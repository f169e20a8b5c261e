import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { generateDemoImage } from '@waifudex/core/images/demo-images';
import { ensureLocalChannel } from '@waifudex/core/repos/channels.repo';
import { startTestServer, type TestServer } from '../../server/src/testing/test-server.js';
import { requireAdmin } from '../../server/src/middleware/auth.js';
import { channelRoutes } from '../../server/src/routes/channels.routes.js';
import { ensureWebBuilt, hasChromium, launchBrowser, signInAsAdmin, webDist } from './helpers.js';

// A channel with its own style, "Anime ^ Name ^ #id": the built-in parser knows no "^" separator and keeps the
// whole line as a name, so only the channel template gets the fields right.
const CAPTIONS = [
  'One Piece ^ Nico Robin ^ #0042',
  'Re:Zero ^ Rem ^ #7',
  'Fate/stay night ^ Saber ^ #0100',
  'just a picture',
];
const TEMPLATE = '{anime} ^ {name} ^ #{source_id}';

describe.skipIf(!hasChromium)('admin channels tab (Chromium)', () => {
  let s: TestServer;
  let browser: Browser;
  let page: Page;
  let robinId = '';

  /** The name the public gallery API shows for a character. */
  async function publicCharacter(id: string) {
    const body = (await (await fetch(`${s.url}/api/v1/characters?per_page=50`)).json()) as {
      items: Array<{ id: string; name: string | null; anime: string | null; source_id: string | null }>;
    };
    return body.items.find((c) => String(c.id) === id);
  }

  beforeAll(async () => {
    ensureWebBuilt();
    [s, browser] = await Promise.all([
      startTestServer({ webDir: webDist, routers: ({ db }) => [channelRoutes({ db, requireAdmin })] }),
      launchBrowser(),
    ]);
    const channel = await ensureLocalChannel(s.db, 'Tilde drops');
    for (const [i, caption] of CAPTIONS.entries()) {
      const out = await s.ingest.ingestImage({
        bytes: await generateDemoImage(50 + i, `c${i}`),
        caption,
        channel,
        messageId: i + 1,
      });
      if (i === 0) robinId = out.characterId;
    }
    page = await signInAsAdmin(browser, s);
  });
  afterAll(async () => {
    await browser?.close();
    await s?.close();
  });

  it('previews a custom template live, saves it with a re-parse, and the gallery shows the parsed name', async () => {
    expect(await publicCharacter(robinId)).toMatchObject({ name: CAPTIONS[0], source_id: null }); // the built-in guess: an unknown separator
    await page.getByTestId('tab-channels').click();
    const row = page.getByTestId('channel-row').filter({ hasText: 'Tilde drops' });
    await row.waitFor();
    expect(await row.getByTestId('channel-enabled').isChecked()).toBe(true);
    await row.getByTestId('channel-parsing-toggle').click();
    const editor = page.getByTestId('template-editor');
    await editor.getByTestId('template-input').fill(TEMPLATE);
    await page.waitForFunction(() => document.querySelector('[data-testid=preview-summary]')?.textContent === '3 of 4');
    expect(await editor.getByTestId('preview-failed').allTextContents()).toEqual([
      expect.stringContaining('just a picture'),
    ]);
    expect(await editor.getByTestId('sample-name').allTextContents()).toEqual(['Nico Robin', 'Rem', 'Saber']);

    // an emoji table row, added and then one removed
    await editor.getByTestId('rarity-add').click();
    await editor.getByTestId('rarity-add').click();
    await editor.getByTestId('rarity-emoji').nth(0).fill('🟡');
    await editor.getByTestId('rarity-name').nth(0).fill('Legendary');
    await editor.getByTestId('rarity-remove').nth(1).click();
    expect(await editor.getByTestId('rarity-row').count()).toBe(1);

    expect(await editor.getByTestId('reparse-check').isChecked()).toBe(true);
    await editor.getByTestId('parsing-save').click();
    await editor.getByTestId('reparse-result').waitFor();
    expect(await editor.getByTestId('reparse-result').textContent()).toMatch(/Re-parsed 4 caption/);
    expect(await row.textContent()).toContain(TEMPLATE);
    await page.screenshot({ path: '/tmp/waifudex-admin-channels.png', fullPage: true });

    expect(await publicCharacter(robinId)).toMatchObject({ name: 'Nico Robin', anime: 'One Piece', source_id: '0042' });
    const stored = await s.db.query<{ caption_template: string; rarity_emojis: Record<string, string> }>(
      'SELECT caption_template, rarity_emojis FROM channels WHERE title = $1',
      ['Tilde drops'],
    );
    expect(stored.rows[0]).toMatchObject({ caption_template: TEMPLATE, rarity_emojis: { '🟡': 'Legendary' } });
    await page.getByTestId('nav-home').click();
    await page.getByTestId('character-card').first().waitFor();
    const names = await page.getByTestId('character-name').allTextContents();
    expect(names).toEqual(expect.arrayContaining(['Nico Robin', 'Rem', 'Saber']));
    expect(names).not.toContain(CAPTIONS[0]);
  });

  it('shows an invalid template error in the preview', async () => {
    await page.goto(`${s.url}/admin/channels`);
    await page.getByTestId('channel-parsing-toggle').first().click();
    await page.getByTestId('template-input').fill('{name} ~ {nope}');
    await page.getByTestId('preview-error').waitFor();
    expect(await page.getByTestId('preview-error').textContent()).toMatch(/invalid template/i);
  });

  it('adds a channel by t.me link, and an invalid reference shows the API error', async () => {
    await page.goto(`${s.url}/admin/channels`);
    await page.getByTestId('channel-row').first().waitFor();
    await page.getByTestId('channel-ref').fill('not a channel!');
    await page.getByTestId('channel-add').click();
    await page.getByTestId('channel-add-error').waitFor();
    expect(await page.getByTestId('channel-add-error').textContent()).toContain('not a channel reference');

    await page.getByTestId('channel-ref').fill('https://t.me/WaifuDrops');
    await page.getByTestId('channel-add').click();
    const added = page.getByTestId('channel-row').filter({ hasText: 'https://t.me/WaifuDrops' });
    await added.waitFor();
    expect(await page.getByTestId('channel-add-error').count()).toBe(0);
    expect(await page.getByTestId('channel-ref').inputValue()).toBe('');

    await page.getByTestId('channel-ref').fill('https://t.me/WaifuDrops');
    await page.getByTestId('channel-add').click();
    await page.getByTestId('channel-add-error').waitFor();
    expect(await page.getByTestId('channel-add-error').textContent()).toContain('already followed');

    await added.getByTestId('channel-enabled').click();
    await page.waitForFunction(() =>
      [...document.querySelectorAll('[data-testid=channel-row]')].some(
        (r) => r.textContent?.includes('WaifuDrops') && r.textContent.includes('off'),
      ),
    );
    expect(
      (await s.db.query<{ enabled: boolean }>("SELECT enabled FROM channels WHERE ref = 'https://t.me/WaifuDrops'"))
        .rows[0]?.enabled,
    ).toBe(false);
  });
});

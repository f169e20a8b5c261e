import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { generateDemoImage } from '@waifudex/core/images/demo-images';
import { ensureLocalChannel } from '@waifudex/core/repos/channels.repo';
import { startTestServer, type TestServer } from '../../server/src/testing/test-server.js';
import { requireAdmin } from '../../server/src/middleware/auth.js';
import { channelRoutes } from '../../server/src/routes/channels.routes.js';
import { ensureWebBuilt, hasChromium, launchBrowser, signInAsAdmin, webDist } from './helpers.js';

// A channel that writes "Series - Name" with titles that look like names, so each caption alone is
// read name-first; the channel's statistics and the proposed template settle it.
const POSTS: Array<[string, string]> = [
  ['Hyouka', 'Eru Chitanda'],
  ['Hyouka', 'Houtarou Oreki'],
  ['Hyouka', 'Mayaka Ibara'],
  ['Dorohedoro', 'Nikaido'],
  ['Dorohedoro', 'Kaiman'],
  ['Dorohedoro', 'Ebisu'],
  ['Nagatoro', 'Hayase Nagatoro'],
  ['Nagatoro', 'Naoto Hachiouji'],
  ['Beastars', 'Legoshi'],
  ['Beastars', 'Haru'],
];

describe.skipIf(!hasChromium)('admin: accept a proposed caption template (Chromium)', () => {
  let s: TestServer;
  let browser: Browser;
  let page: Page;
  let firstId = '';

  beforeAll(async () => {
    ensureWebBuilt();
    [s, browser] = await Promise.all([
      startTestServer({ webDir: webDist, routers: ({ db }) => [channelRoutes({ db, requireAdmin })] }),
      launchBrowser(),
    ]);
    const channel = await ensureLocalChannel(s.db, 'Series first drops');
    for (const [i, [anime, name]] of POSTS.entries()) {
      const out = await s.ingest.ingestImage({
        bytes: await generateDemoImage(70 + i, `p${i}`),
        caption: `${anime} - ${name}`,
        channel,
        messageId: i + 1,
      });
      if (i === 0) firstId = out.characterId;
    }
    page = await signInAsAdmin(browser, s);
  });
  afterAll(async () => {
    await browser?.close();
    await s?.close();
  });

  it('proposes "{anime} - {name}" with its coverage and accepts it with one click', async () => {
    const before = await s.db.query<{ name: string }>('SELECT name FROM characters WHERE id = $1', [firstId]);
    expect(before.rows[0]!.name).toBe('Hyouka'); // each caption alone: name first
    await page.getByTestId('tab-channels').click();
    const row = page.getByTestId('channel-row').filter({ hasText: 'Series first drops' });
    await row.getByTestId('channel-parsing-toggle').click();
    const editor = page.getByTestId('template-editor');
    await editor.getByTestId('propose-templates').click();
    const proposal = editor.getByTestId('template-proposal').first();
    await proposal.waitFor();
    expect(await proposal.getByTestId('proposal-template').textContent()).toBe('{anime} - {name}');
    expect(await proposal.getByTestId('proposal-coverage').textContent()).toBe(`parses 100% of ${POSTS.length} posts`);
    expect(await editor.getByTestId('proposal-order').textContent()).toContain('series first');
    await proposal.getByTestId('proposal-accept').click();
    await editor.getByTestId('reparse-result').waitFor();
    expect(await editor.getByTestId('template-input').inputValue()).toBe('{anime} - {name}');
    const after = await s.db.query<{ name: string; anime: string; caption_template: string }>(
      'SELECT c.name, c.anime, ch.caption_template FROM characters c JOIN channels ch ON ch.id = c.channel_id WHERE c.id = $1',
      [firstId],
    );
    expect(after.rows[0]).toMatchObject({
      name: 'Eru Chitanda',
      anime: 'Hyouka',
      caption_template: '{anime} - {name}',
    });
  });
});

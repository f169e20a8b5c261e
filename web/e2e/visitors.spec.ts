/**
 * A visitor's journey on a phone (390×844, touch), on the built app with the real search engine: sign up
 * through the admin's invite link, mark the who-is-this answer "caught it ✓", see completion change, paste
 * a /harem message, filter what is missing, like a card. Screenshots go to test-results/screenshots.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { generateDemoImage } from '@waifudex/core/images/demo-images';
import { createImageSearchService, type ImageSearchService } from '@waifudex/core/services/image-search.service';
import { testLogger } from '@waifudex/core/testing/test-db';
import { startTestServer, type TestServer } from '../../server/src/testing/test-server.js';
import { searchRoutes } from '../../server/src/routes/search.routes.js';
import { adminCharacterRoutes } from '../../server/src/routes/admin-characters.routes.js';
import { requireAdmin } from '../../server/src/middleware/auth.js';
import { createIngestService } from '@waifudex/core/services/ingest.service';
import { adminClient } from '../../server/src/testing/visitor-client.js';
import { ensureWebBuilt, hasChromium, launchBrowser, seed, SEEDS, webDist } from './helpers.js';
import { makePhoneScreenshot } from './phone-screenshot.js';

const SHOTS = new URL('../../test-results/screenshots/', import.meta.url).pathname;
const PHONE = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true } as const;
const REM = 2; // index of Rem in helpers.SEEDS

describe.skipIf(!hasChromium)('visitor accounts on a phone', () => {
  let s: TestServer;
  let search: ImageSearchService;
  let browser: Browser;
  let page: Page;
  let inviteCode: string;
  const errors: string[] = [];

  beforeAll(async () => {
    ensureWebBuilt();
    fs.mkdirSync(SHOTS, { recursive: true });
    s = await startTestServer({
      webDir: webDist,
      app: { registration: 'invite' },
      routers: ({ db, imagesDir }) => {
        search = createImageSearchService({ db, imagesDir, logger: testLogger, pollMs: 0 });
        return [
          searchRoutes({ search }),
          adminCharacterRoutes({
            db,
            imagesDir,
            requireAdmin,
            ingest: createIngestService({ db, imagesDir, logger: testLogger }),
          }),
        ];
      },
    });
    await seed(s);
    await search.start();
    const admin = await adminClient(s.url, s.auth.setAdminPassword);
    inviteCode = (await admin.json('POST', '/api/v1/admin/visitors/invites', { note: 'phone test', max_uses: 1 })).code;
    browser = await launchBrowser();
    const ctx = await browser.newContext(PHONE);
    page = await ctx.newPage();
    page.setDefaultTimeout(20_000);
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    search?.stop();
    await s?.close();
  });

  const completionTotal = async () => (await page.getByTestId('completion-total').textContent())?.trim();

  it('signs up with the invite link and lands on an empty collection', async () => {
    await page.goto(`${s.url}/account?invite=${inviteCode}`);
    await page.getByTestId('visitor-username').fill('mika');
    await page.getByTestId('visitor-password').fill('catch them all 1');
    await page.screenshot({ path: `${SHOTS}visitor-phone-signup.png` });
    await page.getByTestId('account-submit').click();
    await page.getByTestId('collection').waitFor();
    await page.getByTestId('completion-total').waitFor();
    expect(await completionTotal()).toBe(`0/${SEEDS.length}`);
    expect(await page.getByTestId('nav-account').textContent()).toContain('mika');
    await page.screenshot({ path: `${SHOTS}visitor-phone-collection-empty.png`, fullPage: true });
  });

  it('marks the who-is-this answer "caught it ✓", and the completion counts it', async () => {
    await page.goto(`${s.url}/`);
    await page.getByTestId('character-card').first().waitFor();
    const shot = await makePhoneScreenshot(await generateDemoImage(REM, SEEDS[REM]![0]));
    await page
      .getByTestId('search-file')
      .setInputFiles({ name: 'Screenshot.png', mimeType: 'image/png', buffer: shot });
    await page.getByTestId('search-result').waitFor();
    expect(await page.getByTestId('best-match-name').textContent()).toBe('Rem');
    const caught = page.getByTestId('result-marks').getByTestId('caught-button');
    expect((await caught.textContent())?.trim()).toBe('Caught it ✓');
    await caught.click();
    await caught.filter({ hasText: 'In my collection ✓' }).waitFor();
    await caught.scrollIntoViewIfNeeded();
    await page.screenshot({ path: `${SHOTS}visitor-phone-caught-from-result.png` });

    await page.getByTestId('nav-collection').click();
    await page
      .getByTestId('completion-total')
      .filter({ hasText: `1/${SEEDS.length}` })
      .waitFor();
    const reZero = page.getByTestId('completion-anime').locator('[data-anime="Re:Zero"]');
    expect((await reZero.getByTestId('completion-count').textContent())?.trim()).toBe('1/1');
    await page.screenshot({ path: `${SHOTS}visitor-phone-collection-one.png`, fullPage: true });
  });

  it('a pasted /harem message is previewed and marks what it names', async () => {
    await page
      .getByTestId('harem-text')
      .fill(
        "Mika's Harem - Page 1/1\n\n⌬ One Piece 〔1/1〕\n◈⌠🟡⌡ 100 Nico Robin ×1\n⌬ Unknown 〔1/9〕\n◈⌠🟡⌡ 999 Nobody Here ×1",
      );
    await page.getByTestId('harem-check').click();
    await page.getByTestId('harem-preview').waitFor();
    expect(await page.getByTestId('harem-recognised').textContent()).toBe('1');
    expect(await page.getByTestId('harem-unrecognised').textContent()).toBe('1');
    await page.screenshot({ path: `${SHOTS}visitor-phone-harem-preview.png`, fullPage: true });
    await page.getByTestId('harem-mark').click();
    await page.getByTestId('collection-note').waitFor();
    await page
      .getByTestId('completion-total')
      .filter({ hasText: `2/${SEEDS.length}` })
      .waitFor();
  });

  it('"missing from my collection" shows the rest; a like counts on the card', async () => {
    await page.getByTestId('show-missing').click();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=character-card]').length === 2);
    const names = await page.getByTestId('character-name').allTextContents();
    expect(names.sort()).toEqual(['Asuna Yuuki', 'Mikasa Ackerman']);
    const like = page.getByTestId('character-card').first().getByTestId('like-button');
    await like.click();
    await like.filter({ hasText: '♥ 1' }).waitFor();
    await page.screenshot({ path: `${SHOTS}visitor-phone-missing.png`, fullPage: true });
    expect(errors).toEqual([]);
  });

  it('the admin turns comments on and approves one on a phone; it shows as text, not markup', async () => {
    const ctx = await browser.newContext(PHONE);
    const adminPage = await ctx.newPage();
    adminPage.setDefaultTimeout(20_000);
    await adminPage.goto(`${s.url}/admin/login?next=/admin/visitors`);
    await adminPage.getByTestId('login-username').fill('admin');
    await adminPage.getByTestId('login-password').fill('admin password 1');
    await adminPage.getByTestId('login-submit').click();
    await adminPage.getByTestId('visitors-panel').waitFor();
    const saved = adminPage.waitForResponse(
      (r) => r.url().endsWith('/api/v1/admin/visitors/settings') && r.status() === 200,
    );
    await adminPage.getByTestId('comments-switch').check();
    await saved;

    const rem = (await s.db.query(`SELECT id FROM characters WHERE name = 'Rem'`)).rows[0].id;
    await page.goto(`${s.url}/c/${rem}`);
    await page.getByTestId('comment-text').fill('<b>best</b> girl <img src=x onerror=alert(1)>');
    await page.getByTestId('comment-send').click();
    await page.getByText('once the admin approves it').waitFor();

    await adminPage.reload();
    await adminPage.getByTestId('queued-comment').waitFor();
    await adminPage.screenshot({ path: `${SHOTS}visitor-phone-admin-visitors.png`, fullPage: true });
    await adminPage.getByTestId('approve-comment').click();
    await adminPage.getByTestId('queued-comment').waitFor({ state: 'detached' });
    await adminPage.goto(`${s.url}/admin/webhooks`);
    await adminPage.getByTestId('webhooks-panel').waitFor();
    await adminPage.screenshot({ path: `${SHOTS}visitor-phone-admin-webhooks.png`, fullPage: true });
    await ctx.close();

    await page.reload();
    const comment = page.getByTestId('comment').first();
    await comment.waitFor();
    expect(await comment.locator('.comment-body').textContent()).toBe('<b>best</b> girl <img src=x onerror=alert(1)>');
    expect(await comment.locator('b, img').count()).toBe(0);
    await comment.scrollIntoViewIfNeeded();
    await page.screenshot({ path: `${SHOTS}visitor-phone-comment.png` });
  });
});

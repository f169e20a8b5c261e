/** The main journey with the real engine: a mirrored, re-cropped copy of a gallery picture is recognised. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { makeVariant } from '@waifudex/core/images/query-variants';
import { generateDemoImage } from '@waifudex/core/images/demo-images';
import { createImageSearchService, type ImageSearchService } from '@waifudex/core/services/image-search.service';
import { testLogger } from '@waifudex/core/testing/test-db';
import { startTestServer, type TestServer } from '../../server/src/testing/test-server.js';
import { searchRoutes } from '../../server/src/routes/search.routes.js';
import { ensureWebBuilt, hasChromium, launchBrowser, seed, SEEDS, webDist } from './helpers.js';

describe.skipIf(!hasChromium)('who is this? (real search engine)', () => {
  let s: TestServer;
  let search: ImageSearchService;
  let browser: Browser;
  let page: Page;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wdx-who-'));

  beforeAll(async () => {
    ensureWebBuilt();
    let svc: ImageSearchService | undefined;
    s = await startTestServer({
      webDir: webDist,
      routers: ({ db, imagesDir }) => {
        svc = createImageSearchService({ db, imagesDir, logger: testLogger, pollMs: 0 });
        return [searchRoutes({ search: svc })];
      },
    });
    search = svc!;
    await seed(s);
    await search.start();
    browser = await launchBrowser();
    page = await browser.newPage();
  });
  afterAll(async () => {
    await browser?.close();
    search?.stop();
    await s?.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('names the character of a mirrored copy picked from disk', async () => {
    const i = 2; // the third seed picture (Rem), as helpers.seed generates it
    const query = await makeVariant(await generateDemoImage(i, SEEDS[i]![0]), 'mirror');
    const file = path.join(tmp, 'query.jpg');
    fs.writeFileSync(file, query);
    await page.goto(s.url);
    await page.getByTestId('search-file').setInputFiles(file);
    const result = page.getByTestId('search-result');
    await result.waitFor({ timeout: 15_000 });
    expect(['match', 'exact']).toContain(await result.getAttribute('data-verdict'));
    expect(await page.getByTestId('best-match-name').textContent()).toContain('Rem');
  });

  it('says clearly when nothing in the gallery matches', async () => {
    const file = path.join(tmp, 'other.jpg');
    fs.writeFileSync(file, await generateDemoImage(97, 'someone else'));
    await page.goto(s.url);
    await page.getByTestId('search-file').setInputFiles(file);
    const result = page.getByTestId('search-result');
    await result.waitFor({ timeout: 15_000 });
    expect(['none', 'probable']).toContain(await result.getAttribute('data-verdict'));
  });
});

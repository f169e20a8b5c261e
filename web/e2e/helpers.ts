/** Shared set-up of the browser journeys: built web app + real server on the embedded PostgreSQL + Debian's Chromium. */
import { execSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { generateDemoImage } from '@waifudex/core/images/demo-images';
import { createIngestService } from '@waifudex/core/services/ingest.service';
import { testLogger } from '@waifudex/core/testing/test-db';
import type { Db } from '@waifudex/core/db/database';
import { startTestServer, type TestServer } from '../../server/src/testing/test-server.js';
import { requireAdmin } from '../../server/src/middleware/auth.js';
import { adminCharacterRoutes } from '../../server/src/routes/admin-characters.routes.js';
import { syncRoutes } from '../../server/src/routes/sync.routes.js';
import { similarRoutes } from '../../server/src/routes/similar.routes.js';
import { createSimilarArtworksService } from '@waifudex/core/services/similar-artworks.service';

const CHROMIUM = '/usr/bin/chromium';
/**
 * Chromium's own headless build (Debian's chromium-headless-shell; Playwright's default for headless runs):
 * the same engine and version without the desktop browser around it, about a third less CPU per journey.
 * The full browser when it is not installed.
 */
const HEADLESS_SHELL = '/usr/bin/chromium-headless-shell';
const executablePath = fs.existsSync(HEADLESS_SHELL) ? HEADLESS_SHELL : CHROMIUM;
export const hasChromium = fs.existsSync(executablePath);
if (!hasChromium)
  console.warn(
    `⚠️  ${CHROMIUM} is missing: the browser journeys in web/e2e are SKIPPED (apt-get install chromium-headless-shell)`,
  );

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const webDist = path.join(repo, 'web/dist');

/** The root `npm test` builds first; a lone `vitest run web/e2e` builds here when dist is missing. */
export function ensureWebBuilt(): void {
  if (fs.existsSync(path.join(webDist, 'index.html'))) return;
  console.warn('web/dist/index.html is missing: running `npm run build -w web`');
  execSync('npm run build -w web', { cwd: repo, stdio: 'inherit' });
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

/** The admin character routes as main.ts mounts them, on a test server's database and images folder. */
export function adminCharactersRouter({ db, imagesDir }: { db: Db; imagesDir: string }) {
  return adminCharacterRoutes({
    db,
    imagesDir,
    requireAdmin,
    ingest: createIngestService({ db, imagesDir, logger: testLogger }),
  });
}

/** The app as main.ts serves it, with the admin character and similar-artwork (CLIP off) routes, and optionally the sync routes, mounted. */
export function startAppServer(opts: { sync?: boolean } = {}): Promise<TestServer> {
  return startTestServer({
    webDir: webDist,
    routers: ({ db, imagesDir }) => [
      adminCharactersRouter({ db, imagesDir }),
      similarRoutes({ similar: createSimilarArtworksService({ db, imagesDir, logger: testLogger, embedder: null }) }),
      ...(opts.sync ? [syncRoutes({ db, requireAdmin })] : []),
    ],
  });
}

export const SEEDS: Array<[name: string, anime: string, rarity: string]> = [
  ['Nico Robin', 'One Piece', 'Legendary'],
  ['Mikasa Ackerman', 'Attack on Titan', 'Rare'],
  ['Rem', 'Re:Zero', 'Legendary'],
  ['Asuna Yuuki', 'Sword Art Online', 'Common'],
];
const EMOJI: Record<string, string> = { Legendary: '🟡', Rare: '🟣', Common: '⚪' };

/**
 * Runs `fn` over `items` with at most `limit` at once, results in input order: set-ups that ingest tens
 * of pictures decode them in parallel instead of waiting on each one.
 */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, i: number) => Promise<R>,
): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!, i);
      }
    }),
  );
  return out;
}

/** Ingests the seed characters; returns their ids by name. */
export async function seed(s: TestServer): Promise<Record<string, string>> {
  const ids: Record<string, string> = {};
  for (const [i, [name, anime, rarity]] of SEEDS.entries()) {
    const out = await s.ingest.ingestImage({
      bytes: await generateDemoImage(i, name),
      caption: `🌸 Name: ${name}\n📺 Anime: ${anime}\n${EMOJI[rarity]} Rarity: ${rarity}\n🆔 ID: ${100 + i}`,
    });
    ids[name] = out.characterId;
  }
  return ids;
}

/** Sets the admin password and signs in through the login page; returns the page on /admin. */
export async function signInAsAdmin(
  browser: Browser,
  s: TestServer,
  password = 'correct horse battery',
): Promise<Page> {
  await s.auth.setAdminPassword('admin', password);
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 1000 } });
  const page = await ctx.newPage();
  page.setDefaultTimeout(10_000);
  await page.goto(`${s.url}/admin/login?next=/admin`);
  await page.getByTestId('login-username').fill('admin');
  await page.getByTestId('login-password').fill(password);
  await page.getByTestId('login-submit').click();
  await page.getByTestId('admin-area').waitFor();
  return page;
}

/**
 * Telegram bot figures (issue 17): time from a forwarded spawn reaching the bot (handleUpdate) to its reply
 * being sent, over real HTTP to a fake Bot API server on localhost (getFile, download, search, sendMessage),
 * on an embedded database holding real gallery artworks; and the same for a repeat of the same
 * file_unique_id (answered from memory, no download). Target: p95 under 1 s for the first answer.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openDatabase } from '../core/dist/db/database.js';
import { migrate } from '../core/dist/db/migrate.js';
import { createLogger } from '../core/dist/logger.js';
import { createIngestService } from '../core/dist/services/ingest.service.js';
import { createImageSearchService } from '../core/dist/services/image-search.service.js';
import { makeVariant, type VariantName } from '../core/dist/images/query-variants.js';
import { createWaifudexBot } from '../scraper/dist/bot/create-bot.js';
import { startFakeBotApi } from '../scraper/src/bot/testing/fake-bot-api.js';
import { forwardedPhoto } from '../scraper/src/bot/testing/updates.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const GALLERY = path.resolve(here, '../../shared/images/gallery');
const ARTWORKS = 150;
const QUERIES = 30;

const pct = (xs: number[], p: number) =>
  Math.round([...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))] ?? NaN);

export async function runTelegramBotBench(): Promise<Record<string, unknown>> {
  if (!fs.existsSync(GALLERY)) return { skipped: 'no ../shared/images/gallery' };
  const logger = createLogger('silent', 'bench');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wdx-bench-bot-'));
  fs.chmodSync(dir, 0o755);
  const db = await openDatabase({ dataDir: path.join(dir, 'data'), logger });
  const api = await startFakeBotApi();
  try {
    await migrate(db, logger);
    const imagesDir = path.join(dir, 'images');
    const ingest = createIngestService({ db, imagesDir, logger });
    const files = fs
      .readdirSync(GALLERY)
      .filter((f) => f.endsWith('.jpg'))
      .sort();
    const stored: Array<{ file: string; name: string | null }> = [];
    for (
      let i = 0;
      i < files.length && stored.length < ARTWORKS;
      i += Math.max(1, Math.floor(files.length / ARTWORKS))
    ) {
      const f = files[i]!;
      const out = await ingest.ingestImage({
        bytes: fs.readFileSync(path.join(GALLERY, f)),
        caption: fs.readFileSync(path.join(GALLERY, f.replace(/\.jpg$/, '.txt')), 'utf8'),
      });
      if (out.status !== 'created') continue;
      const row = await db.query('SELECT name FROM characters WHERE id = $1', [out.characterId]);
      stored.push({ file: f, name: row.rows[0]?.name ?? null });
    }
    const search = createImageSearchService({ db, imagesDir, logger, pollMs: 0, backgroundReindex: false });
    await search.start();
    const w = createWaifudexBot({
      token: api.token,
      db,
      search,
      logger,
      userPerMinute: 10_000,
      groupPerMinute: 10_000,
      maxFileBytes: 20 * 1024 * 1024,
      apiRoot: api.apiRoot,
      botInfo: api.botInfo,
    });
    const variants: VariantName[] = ['jpeg30', 'screenshot', 'crop10', 'resize40', 'text'];
    const first: number[] = [];
    const repeat: number[] = [];
    let named = 0;
    for (let q = 0; q < QUERIES; q++) {
      const s = stored[(q * 7) % stored.length]!;
      const bytes = await makeVariant(
        fs.readFileSync(path.join(GALLERY, s.file)),
        variants[q % variants.length]!,
        q + 1,
      );
      const upd = forwardedPhoto(api, bytes);
      let t0 = performance.now();
      await w.bot.handleUpdate(upd);
      first.push(performance.now() - t0);
      const text = String(api.sent().at(-1)?.payload.text ?? '');
      if (s.name && text.includes(`<b>${s.name}</b>`)) named++;
      // the same spawn again: Telegram keeps file_unique_id
      const again = forwardedPhoto(api, Buffer.from('unused'));
      const uid = upd.message!.photo!.at(-1)!.file_unique_id;
      again.message!.photo = again.message!.photo!.map((p, i, all) =>
        i === all.length - 1 ? { ...p, file_unique_id: uid } : p,
      );
      t0 = performance.now();
      await w.bot.handleUpdate(again);
      repeat.push(performance.now() - t0);
    }
    search.stop();
    return {
      artworks: stored.length,
      queries: QUERIES,
      first_answer_ms: { p50: pct(first, 0.5), p95: pct(first, 0.95), max: pct(first, 1) },
      repeat_answer_ms: { p50: pct(repeat, 0.5), p95: pct(repeat, 0.95) },
      named_correctly: `${named}/${QUERIES}`,
      target: 'first answer p95 < 1000 ms',
    };
  } finally {
    await api.close();
    await db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

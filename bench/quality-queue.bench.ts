/**
 * Data-quality queue figures at 100k artworks (issue 13): the near-duplicate detector (pHash bands, then
 * exact Hamming distance), the card-id conflict detector and the review list, through the same repo calls
 * as GET /api/v1/admin/quality; and the file check over 10k stored files.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase } from '../core/dist/db/database.js';
import { migrate } from '../core/dist/db/migrate.js';
import { createLogger } from '../core/dist/logger.js';
import { findCardConflicts, findReviewEntries } from '../core/dist/repos/quality-queue.repo.js';
import { createQualityQueueService } from '../core/dist/services/quality-queue.service.js';

const ARTWORKS = 100_000;
const NEAR_PAIRS = 500;
const FILES = 10_000;

function rng(seed: number) {
  let s = seed >>> 0;
  return () => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32;
}
const bits = (r: () => number) => Array.from({ length: 64 }, () => (r() < 0.5 ? '0' : '1')).join('');
/** The same hash with `n` bits flipped (a re-encoded copy). */
function flip(h: string, n: number, r: () => number): string {
  const a = h.split('');
  for (let i = 0; i < n; i++) {
    const k = Math.floor(r() * 64);
    a[k] = a[k] === '0' ? '1' : '0';
  }
  return a.join('');
}
async function time<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t = performance.now();
  const out = await fn();
  return [out, Math.round(performance.now() - t)];
}

export async function runQualityQueueBench(): Promise<Record<string, unknown>> {
  const logger = createLogger('silent', 'bench');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wdx-bench-quality-'));
  fs.chmodSync(dir, 0o755);
  const imagesDir = path.join(dir, 'images');
  const db = await openDatabase({ dataDir: path.join(dir, 'data'), logger });
  const out: Record<string, unknown> = {};
  try {
    await migrate(db, logger);
    const r = rng(13);
    await db.query(`INSERT INTO channels (id, title) VALUES (1, 'bench')`);
    await db.query(
      `INSERT INTO characters (name, anime, name_search, anime_search, needs_review)
       SELECT 'C' || g, 'A', 'c' || g, 'a', g % 50 = 0 FROM generate_series(1, $1) g`,
      [ARTWORKS],
    );
    const hashes: string[] = [];
    for (let i = 0; i < ARTWORKS; i++)
      hashes.push(i < NEAR_PAIRS * 2 && i % 2 === 1 ? flip(hashes[i - 1]!, 1 + (i % 4), r) : bits(r));
    for (let i = 0; i < ARTWORKS; i += 10_000) {
      await db.query(
        `INSERT INTO artworks (character_id, file_path, thumb_path, sha256, phash, width, height, bytes, mime, channel_id, message_id, source_id, name)
         SELECT c.id, 'originals/' || left(k.sha, 2) || '/' || k.sha || '.png', 'thumbs/' || left(k.sha, 2) || '/' || k.sha || '-320.webp',
                k.sha, h::bit(64), 1, 1, 1, 'image/png', 1, c.id,
                (c.id % 40000)::text, 'N' || (c.id % 40000 + c.id / 40000 * (c.id % 7 = 0)::int)
           FROM unnest($1::text[]) WITH ORDINALITY AS t (h, n) JOIN characters c ON c.id = t.n + $2
          CROSS JOIN LATERAL (SELECT md5(c.id::text) || md5(c.id::text || 'x') AS sha) k`,
        [hashes.slice(i, i + 10_000), i],
      );
    }
    await db.query('ANALYZE');
    out.artworks = ARTWORKS;
    const page = { limit: 20, offset: 0 };
    const service = createQualityQueueService({ db, imagesDir });
    const [near, nearMs] = await time(() => service.list('near_duplicate', 1, 20));
    out.near_duplicates_found = `${near.total} (planted ${NEAR_PAIRS})`;
    out.near_duplicates_ms = nearMs;
    const [, cachedMs] = await time(() => service.list('near_duplicate', 1, 20));
    out.near_duplicates_page_while_unchanged_ms = cachedMs;
    const [cards, cardsMs] = await time(() => findCardConflicts(db, page));
    out.card_conflicts = cards.total;
    out.card_conflicts_ms = cardsMs;
    const [review, reviewMs] = await time(() => findReviewEntries(db, page));
    out.review_entries = review.total;
    out.review_ms = reviewMs;

    // the file check stats every stored file: 10k real files
    await db.query('DELETE FROM artworks WHERE id > $1', [FILES]);
    const files = await db.query<{ file_path: string; thumb_path: string }>(
      'SELECT file_path, thumb_path FROM artworks',
    );
    for (const f of files.rows) {
      for (const p of [f.file_path, f.thumb_path]) {
        fs.mkdirSync(path.dirname(path.join(imagesDir, p)), { recursive: true });
        fs.writeFileSync(path.join(imagesDir, p), 'x');
      }
    }
    fs.rmSync(path.join(imagesDir, files.rows[0]!.file_path));
    const queue = createQualityQueueService({ db, imagesDir, fileCheckTtlMs: 0 });
    const [missing, filesMs] = await time(() => queue.list('missing_file', 1, 20));
    out.file_check_files = FILES;
    out.file_check_missing = missing.total;
    out.file_check_ms = filesMs;
    out.target =
      'card/review < 1 s and near duplicates < 2 s at 100k artworks (then kept until an artwork changes); the file check < 2 s per 10k files';
  } finally {
    await db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return out;
}

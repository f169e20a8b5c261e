/**
 * Visitor features at gallery scale (embedded PostgreSQL, 100k characters): completion per anime and
 * rarity, the "missing from my collection" gallery page, the "most liked" page, a 600-line harem paste
 * preview, and what the webhook triggers add to each inserted character.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase } from '../core/dist/db/database.js';
import { migrate } from '../core/dist/db/migrate.js';
import { createLogger } from '../core/dist/logger.js';
import { completion } from '../core/dist/repos/collection.repo.js';
import { searchCharacters } from '../core/dist/repos/character-search.repo.js';
import { createCollectionService } from '../core/dist/services/collection.service.js';

const CHARACTERS = 100_000;
const RUNS = 20;
const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))]!;
async function time(n: number, fn: () => Promise<unknown>): Promise<{ p50_ms: number; p95_ms: number }> {
  const ms: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn();
    ms.push(performance.now() - t);
  }
  return { p50_ms: +pct(ms, 0.5).toFixed(1), p95_ms: +pct(ms, 0.95).toFixed(1) };
}

export async function runCollectionBench(): Promise<Record<string, unknown>> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wdx-bench-collection-'));
  const logger = createLogger('warn', 'bench');
  const db = await openDatabase({ dataDir: path.join(dir, 'data'), logger, role: 'cli' });
  try {
    await migrate(db, logger);
    // 500 anime × 200 characters, 6 rarities; card ids 1…100000
    await db.query(
      `INSERT INTO characters (name, anime, rarity, rarity_emoji, source_id, name_search, anime_search)
       SELECT 'Name ' || g, 'Anime ' || (g % 500), (ARRAY['Common','Rare','Epic','Legendary','Mythic','Limited'])[1 + g % 6], '🟡', g::text,
              'name ' || g, 'anime ' || (g % 500)
         FROM generate_series(1, $1) g`,
      [CHARACTERS],
    );
    const visitors = (
      await db.query(
        `INSERT INTO visitors (username, password_hash) SELECT 'v' || g, 'x' FROM generate_series(1, 200) g RETURNING id`,
      )
    ).rows.map((r) => r.id);
    const me = visitors[0]!;
    // the visitor caught 5000; 200 visitors liked 100 characters each
    await db.query(
      `INSERT INTO collection_items (visitor_id, character_id) SELECT $1, id FROM characters WHERE id % 20 = 0`,
      [me],
    );
    await db.query(
      `INSERT INTO character_likes (visitor_id, character_id)
       SELECT v.id, c.id FROM visitors v CROSS JOIN generate_series(1, 100) k JOIN characters c ON c.id = (v.id * 7919 + k * 1013) % $1 + 1
       ON CONFLICT DO NOTHING`,
      [CHARACTERS],
    );
    await db.query('ANALYZE');
    const out: Record<string, unknown> = { characters: CHARACTERS, caught: 5000 };
    out.completion = await time(RUNS, () => completion(db, me));
    // the same gallery page without the visitor's filter or sort, for comparison
    out.newest_page_baseline = await time(RUNS, () =>
      searchCharacters(db, { text: '', mine: null }, { page: 1, perPage: 24, sort: 'newest' }),
    );
    out.missing_page = await time(RUNS, () =>
      searchCharacters(
        db,
        { text: '', mine: { visitorId: me, caught: false } },
        { page: 1, perPage: 24, sort: 'newest' },
      ),
    );
    out.most_liked_page = await time(RUNS, () =>
      searchCharacters(db, { text: '', mine: null }, { page: 1, perPage: 24, sort: 'liked' }),
    );
    const harem = Array.from({ length: 40 }, (_, a) =>
      [
        `⌬ Anime ${a} 〔15/200〕`,
        ...Array.from({ length: 15 }, (_, k) => `◈⌠🟡⌡ ${a + 500 * k} Name ${a + 500 * k} ×1`),
      ].join('\n'),
    ).join('\n');
    const svc = createCollectionService({ db });
    const preview = await svc.previewHarem(me, harem);
    out.harem_preview_600_lines = {
      ...(await time(5, () => svc.previewHarem(me, harem))),
      recognised: preview.recognised.length,
    };
    const insert = (n: number) =>
      time(1, () =>
        db.query(`INSERT INTO characters (name, name_search) SELECT 'x' || g, 'x' || g FROM generate_series(1, $1) g`, [
          n,
        ]),
      );
    const before = (await insert(10_000)).p50_ms;
    await db.query(
      `INSERT INTO webhooks (url, secret, events) VALUES ('https://a.example/h', 's', '{character.created}'), ('https://b.example/h', 's', '{character.created,artwork.added}')`,
    );
    const after = (await insert(10_000)).p50_ms;
    out.insert_10k_characters_ms = {
      no_webhooks: before,
      two_webhooks: after,
      deliveries_queued: (await db.query('SELECT count(*)::int AS n FROM webhook_deliveries')).rows[0].n,
    };
    out.target =
      'missing/most-liked pages within 1.5× of the newest page; completion p95 < 1 s and harem preview p95 < 500 ms at 100k';
    return out;
  } finally {
    await db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

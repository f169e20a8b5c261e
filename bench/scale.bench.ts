/**
 * `npm run bench -- scale [--n N]` (issue 14): a throw-away embedded PostgreSQL filled by COPY with N
 * synthetic characters, one artwork and one signature row each (default 1M), then every scale figure
 * with its target: the index build at start (cold start) and its memory, browse during the build, the
 * candidate stage and its event-loop blocking, text search by kind with its plans (no sequential scan)
 * against a forced sequential scan, keyset against OFFSET paging. CI runs `--n 20000`.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { from as copyFrom } from 'pg-copy-streams';
import { openDatabase, type Db, type Queryable } from '@waifudex/core/db/database';
import { migrate } from '@waifudex/core/db/migrate';
import { createLogger } from '@waifudex/core/logger';
import { normalizeForSearch } from '@waifudex/core/captions/parse-caption';
import { searchCharacters, type CharacterSearch } from '@waifudex/core/repos/character-search.repo';
import { rng } from '@waifudex/core/images/query-variants';
import { codeToBitString } from '@waifudex/core/images/perceptual-hash';
import { serializeFeatures } from '@waifudex/core/images/feature-blob';
import type { ImageFeatures } from '@waifudex/core/images/feature-types';
import { loadSignaturePool, syntheticSignature } from './synthetic-signatures.js';
import { measureImageIndex } from './scale-index.js';
import { pct, r3 } from './percentiles.js';

const SYLLABLES =
  'ka ri mo na shi ro yu ki ha to mi su ne ra ko ai lu ze fa do be chi ga hi ju ke ma no pa qui sa te u vi wa xe yo zu bri cla dre fro gla kre pli sta tho vel mar nor cas len dar ion ess ath'.split(
    ' ',
  );
const RARITIES: [string, string][] = [
  ['Common', '⚪'],
  ['Rare', '🔵'],
  ['Epic', '🟣'],
  ['Legendary', '🟡'],
  ['Mythic', '🔴'],
];

function word(r: () => number, n = 2 + Math.floor(r() * 3)): string {
  let w = '';
  for (let i = 0; i < n; i++) w += SYLLABLES[Math.floor(r() * SYLLABLES.length)];
  return w[0]!.toUpperCase() + w.slice(1);
}
function typo(s: string, r: () => number): string {
  const i = 1 + Math.floor(r() * (s.length - 2));
  const k = Math.floor(r() * 3);
  if (k === 0) return s.slice(0, i) + s.slice(i + 1);
  if (k === 1) return s.slice(0, i) + s[i] + s.slice(i);
  return s.slice(0, i - 1) + s[i] + s[i - 1] + s.slice(i + 1);
}

interface Row {
  name: string;
  anime: string;
  rarity: [string, string];
}

async function copyRows(db: Db, sql: string, rows: () => Generator<string>): Promise<void> {
  const client = await db.pool.connect();
  try {
    // a throw-away database: no per-row triggers (index change log) while filling
    await client.query("SET session_replication_role = 'replica'");
    await client.query('SET statement_timeout = 0');
    await pipeline(Readable.from(rows()), client.query(copyFrom(sql)));
    await client.query("SET session_replication_role = 'origin'");
  } finally {
    client.release();
  }
}

/** Fills characters, artworks and signatures by COPY; returns what the queries need. */
async function fill(db: Db, n: number, features: (i: number) => ImageFeatures): Promise<Row[]> {
  const r = rng(n);
  const animes = Array.from({ length: Math.max(50, Math.floor(n / 500)) }, () => `${word(r)} ${word(r, 2)}`);
  const rows: Row[] = Array.from({ length: n }, () => ({
    name: `${word(r)} ${word(r)}`,
    anime: animes[Math.floor(r() * animes.length)]!,
    rarity: RARITIES[Math.floor(r() * RARITIES.length)]!,
  }));
  const t0 = Date.now() * 1000;
  // the trigram indexes are built once after the load (much faster than row by row with fastupdate off)
  const gin = await db.query<{ name: string; def: string }>(
    "SELECT indexname AS name, indexdef AS def FROM pg_indexes WHERE tablename = 'characters' AND indexdef ILIKE '%gin%'",
  );
  for (const ix of gin.rows) await db.query(`DROP INDEX ${ix.name}`);
  await copyRows(
    db,
    'COPY characters (id, name, anime, rarity, rarity_emoji, source_id, name_search, anime_search, created_at) FROM STDIN',
    function* () {
      for (const [i, c] of rows.entries()) {
        const created = new Date((t0 - i * 1_000_003) / 1000).toISOString();
        yield `${i + 1}\t${c.name}\t${c.anime}\t${c.rarity[0]}\t${c.rarity[1]}\t${i + 1}\t${normalizeForSearch(c.name)}\t${normalizeForSearch(c.anime)}\t${created}\n`;
      }
    },
  );
  await copyRows(
    db,
    'COPY artworks (id, character_id, file_path, thumb_path, sha256, phash, width, height, bytes, mime) FROM STDIN',
    function* () {
      for (let i = 0; i < n; i++) {
        const f = features(i);
        yield `${i + 1}\t${i + 1}\tb/${i}.jpg\tb/${i}.t.webp\t${(i + 1).toString(16).padStart(64, '0')}\t${codeToBitString(f.phash)}\t800\t1000\t90000\timage/jpeg\n`;
      }
    },
  );
  await copyRows(
    db,
    'COPY artwork_image_features (artwork_id, algo_version, features, dhash) FROM STDIN',
    function* () {
      for (let i = 0; i < n; i++) {
        const f = features(i);
        yield `${i + 1}\t${f.version}\t\\\\x${serializeFeatures(f).toString('hex')}\t${codeToBitString(f.dhash)}\n`;
      }
    },
  );
  await db.transaction(async (tx) => {
    await tx.query('SET LOCAL statement_timeout = 0');
    await tx.query("SET LOCAL maintenance_work_mem = '256MB'");
    for (const ix of gin.rows) await tx.query(ix.def);
  });
  await db.query(`SELECT setval('characters_id_seq', $1), setval('artworks_id_seq', $1)`, [n]);
  await db.query('ANALYZE characters');
  await db.query('ANALYZE artworks');
  await db.query('ANALYZE artwork_image_features');
  return rows;
}

/** Runs a repo call while recording its statements, so that they can be EXPLAINed as they ran. */
async function captured<T>(
  db: Db,
  fn: (q: Queryable) => Promise<T>,
): Promise<{ sql: { text: string; params: unknown[] }[]; result: T }> {
  const sql: { text: string; params: unknown[] }[] = [];
  const result = await db.transaction((tx) =>
    fn({
      query: (text: string, params?: unknown[]) => (sql.push({ text, params: params ?? [] }), tx.query(text, params)),
    } as Queryable),
  );
  return { sql, result };
}

function seqScans(plan: any, out: string[] = []): string[] {
  if (plan['Node Type'] === 'Seq Scan' && plan['Relation Name'] === 'characters') out.push(plan['Relation Name']);
  for (const p of plan.Plans ?? []) seqScans(p, out);
  return out;
}

export async function runScaleBench(n = 1_000_000): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = { n };
  const logger = createLogger('silent', 'bench');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wdx-scale-'));
  const db = await openDatabase({ dataDir: dir, logger, role: 'cli' });
  try {
    await migrate(db, logger);
    const pool = await loadSignaturePool(n >= 100_000 ? 160 : 40);
    // signatures from one seeded stream per artwork, so that the same artwork gets the same one twice
    const featuresOf = (i: number) => syntheticSignature(rng(i * 7919 + 1), pool);
    const t = performance.now();
    const rows = await fill(db, n, featuresOf);
    out.fill_by_copy_s = r3((performance.now() - t) / 1000);

    // --- the image index: cold start, memory, candidate stage, event loop (bench/scale-index.ts)
    const r = rng(99);
    Object.assign(out, await measureImageIndex(db, dir, n, featuresOf, r));

    // --- text search by kind, its plans, and the same queries with index scans forbidden
    const kinds: Record<string, (c: Row) => string> = {
      exact_name: (c) => c.name,
      prefix: (c) => c.name.split(' ')[0]!.slice(0, 5),
      typo: (c) => typo(c.name, r),
      no_space: (c) => c.name.replace(' ', ''),
      anime: (c) => c.anime,
      rarity_word: (c) => `${c.rarity[0]} ${c.name.split(' ')[0]}`,
      emoji: (c) => `${c.rarity[1]} ${c.name.split(' ')[1]}`,
    };
    const perKind = n >= 100_000 ? 25 : 10;
    const all: number[] = [];
    const byKind: Record<string, { p50: number; p99: number }> = {};
    const seq = new Set<string>();
    for (const [kind, make] of Object.entries(kinds)) {
      const times: number[] = [];
      for (let k = 0; k < perKind; k++) {
        const raw = make(rows[Math.floor(r() * n)]!);
        const emojis = [...raw.matchAll(/\p{Extended_Pictographic}/gu)].map((m) => m[0]);
        const s: CharacterSearch = { text: normalizeForSearch(raw.replace(/\p{Extended_Pictographic}/gu, '')), emojis };
        const t1 = performance.now();
        await searchCharacters(db, s, { page: 1, perPage: 24, sort: 'relevance' });
        times.push(performance.now() - t1);
        if (k === 0) {
          const { sql } = await captured(db, (q) =>
            searchCharacters(q, s, { page: 1, perPage: 24, sort: 'relevance' }),
          );
          for (const st of sql.filter((x) => /^\s*SELECT/i.test(x.text))) {
            const plan = await db.transaction(async (tx) => {
              await tx.query('SET LOCAL pg_trgm.word_similarity_threshold = 0.5');
              return (await tx.query(`EXPLAIN (FORMAT JSON) ${st.text}`, st.params)).rows[0]['QUERY PLAN'][0].Plan;
            });
            if (seqScans(plan).length) seq.add(kind);
          }
        }
      }
      all.push(...times);
      byKind[kind] = { p50: r3(pct(times, 0.5)), p99: r3(pct(times, 0.99)) };
    }
    out.text_search_ms = { p50: r3(pct(all, 0.5)), p99: r3(pct(all, 0.99)), target: '≤ 20 p50, ≤ 60 p99 at 1M' };
    out.text_search_by_kind_ms = byKind;
    out.text_search_seq_scan_plans = seq.size ? [...seq] : 'none (every statement index-backed)';
    // the same typo queries with the trigram indexes forbidden: what the indexes save
    const forced: number[] = [];
    const indexed: number[] = [];
    for (let k = 0; k < 3; k++) {
      const s: CharacterSearch = { text: normalizeForSearch(typo(rows[Math.floor(r() * n)]!.name, r)) };
      let t1 = performance.now();
      await searchCharacters(db, s, { page: 1, perPage: 24, sort: 'relevance' });
      indexed.push(performance.now() - t1);
      t1 = performance.now();
      await db.transaction(async (tx) => {
        await tx.query('SET LOCAL enable_bitmapscan = off');
        await tx.query('SET LOCAL enable_indexscan = off');
        // without the search's cost cap: a sequential scan is what it exists to stop
        const uncapped = (text: string) =>
          text.includes('statement_timeout') ? 'SET LOCAL statement_timeout = 0' : text;
        await searchCharacters(
          { query: (text: string, p?: unknown[]) => tx.query(uncapped(text), p) } as Queryable,
          s,
          { page: 1, perPage: 24, sort: 'relevance' },
        );
      });
      forced.push(performance.now() - t1);
    }
    out.ratio_seq_scan_over_trigram_index = r3(pct(forced, 0.5) / pct(indexed, 0.5));

    // --- deep gallery page: keyset cursor against OFFSET
    const perPage = 24;
    const deep = Math.floor((n * 0.9) / perPage);
    const pos = await db.query<{ us: string; id: string }>(
      `SELECT (extract(epoch FROM created_at) * 1000000)::bigint::text AS us, id::text FROM characters WHERE NOT hidden
        ORDER BY created_at DESC, id DESC OFFSET $1 LIMIT 1`,
      [deep * perPage - 1],
    );
    const after = { createdUs: pos.rows[0]!.us, id: pos.rows[0]!.id };
    const time = async (fn: () => Promise<unknown>) => {
      const xs: number[] = [];
      for (let k = 0; k < 5; k++) {
        const t1 = performance.now();
        await fn();
        xs.push(performance.now() - t1);
      }
      return pct(xs, 0.5);
    };
    const first = await time(() => searchCharacters(db, { text: '' }, { page: 1, perPage, sort: 'newest' }));
    const viaOffset = await time(() => searchCharacters(db, { text: '' }, { page: deep + 1, perPage, sort: 'newest' }));
    const viaCursor = await time(() =>
      searchCharacters(db, { text: '' }, { page: deep + 1, perPage, sort: 'newest', after }),
    );
    out.gallery_page_ms = {
      page_1: r3(first),
      [`page_${deep + 1}_offset`]: r3(viaOffset),
      [`page_${deep + 1}_keyset`]: r3(viaCursor),
      target: 'deep page as fast as page 1',
    };
    out.ratio_offset_over_keyset = r3(viaOffset / viaCursor);
  } finally {
    await db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return out;
}

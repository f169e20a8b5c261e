/**
 * Text search and gallery paging at scale (issue 14), shared by `npm run bench -- scale` (on its
 * database of characters, artworks and signatures) and `npm run bench -- "text search" --n N` (a
 * throw-away database of characters and artworks only, quicker to fill): every query kind with its
 * percentiles against the target, the plans (no sequential scan of characters), a forced sequential scan
 * against the indexes, and keyset / numbered deep pages against OFFSET.
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
import { pct, r3 } from './percentiles.js';
import { typo, word } from './synthetic-names.js';

const RARITIES: [string, string][] = [
  ['Common', '⚪'],
  ['Rare', '🔵'],
  ['Epic', '🟣'],
  ['Legendary', '🟡'],
  ['Mythic', '🔴'],
];

export interface SyntheticCharacter {
  name: string;
  anime: string;
  rarity: [string, string];
}

/** N characters with syllable names, one anime per ~500 characters, five rarities. */
export function syntheticCharacters(n: number): SyntheticCharacter[] {
  const r = rng(n);
  const animes = Array.from({ length: Math.max(50, Math.floor(n / 500)) }, () => `${word(r)} ${word(r, 2)}`);
  return Array.from({ length: n }, () => ({
    name: `${word(r)} ${word(r)}`,
    anime: animes[Math.floor(r() * animes.length)]!,
    rarity: RARITIES[Math.floor(r() * RARITIES.length)]!,
  }));
}

export async function copyRows(db: Db, sql: string, rows: () => Generator<string>): Promise<void> {
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

/**
 * The GIN indexes of characters and aliases are dropped before a bulk fill and built once after it
 * (much faster than row by row with fastupdate off): call the returned function when the rows are in.
 */
export async function withoutGinIndexes(db: Db): Promise<() => Promise<void>> {
  const gin = await db.query<{ name: string; def: string }>(
    `SELECT indexname AS name, indexdef AS def FROM pg_indexes
      WHERE tablename IN ('characters', 'character_aliases') AND indexdef ILIKE '%gin%'`,
  );
  for (const ix of gin.rows) await db.query(`DROP INDEX ${ix.name}`);
  return async () => {
    await db.transaction(async (tx) => {
      await tx.query('SET LOCAL statement_timeout = 0');
      await tx.query("SET LOCAL maintenance_work_mem = '256MB'");
      for (const ix of gin.rows) await tx.query(ix.def);
    });
  };
}

/** COPY lines of the characters table (ids 1..N, newest first, one alias for every 20th). */
export function* characterLines(rows: SyntheticCharacter[]): Generator<string> {
  const t0 = Date.now() * 1000;
  for (const [i, c] of rows.entries()) {
    const created = new Date((t0 - i * 1_000_003) / 1000).toISOString();
    yield `${i + 1}\t${c.name}\t${c.anime}\t${c.rarity[0]}\t${c.rarity[1]}\t${i + 1}\t${normalizeForSearch(c.name)}\t${normalizeForSearch(c.anime)}\t${created}\n`;
  }
}
export const CHARACTER_COPY =
  'COPY characters (id, name, anime, rarity, rarity_emoji, source_id, name_search, anime_search, created_at) FROM STDIN';

/** Aliases (a merged name) for every 20th character: the alias search runs against a realistic table. */
export async function fillAliases(db: Db, rows: SyntheticCharacter[]): Promise<void> {
  await copyRows(db, 'COPY character_aliases (character_id, name, name_search) FROM STDIN', function* () {
    for (let i = 0; i < rows.length; i += 20) {
      const alias = `${rows[(i * 7 + 3) % rows.length]!.name.split(' ')[0]} ${rows[i]!.name.split(' ')[1]}`;
      yield `${i + 1}\t${alias}\t${normalizeForSearch(alias)}\n`;
    }
  });
}

/**
 * What the triggers would have kept while filling (COPY runs without them): the search documents and the
 * word index, in bulk (as the search-words migration fills it). Call before the GIN indexes are rebuilt.
 */
export async function fillSearchDocs(db: Db): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.query("SET LOCAL statement_timeout = 0; SET LOCAL session_replication_role = 'replica'");
    await tx.query('UPDATE characters SET search_doc = character_search_doc(id, name_search, anime_search)');
    await tx.query('TRUNCATE character_search_words');
    await tx.query(`INSERT INTO character_search_words (word, character_id, in_name)
      SELECT w.word, c.id, w.in_name FROM characters c, character_search_words_of(c.search_doc) w
       WHERE NOT c.hidden AND c.deleted_at IS NULL ORDER BY 1, 2`);
    await tx.query('SELECT gallery_time_counts_rebuild(), search_anime_titles_rebuild()');
  });
}

/** Statistics and the visibility map (index-only scans), as autovacuum leaves a settled database. */
export async function settle(db: Db, tables: string[]): Promise<void> {
  const client = await db.pool.connect();
  try {
    await client.query('SET statement_timeout = 0');
    for (const table of tables) await client.query(`VACUUM (ANALYZE) ${table}`);
  } finally {
    client.release();
  }
}

/** Runs a repo call while recording its statements, so that they can be EXPLAINed as they ran. */
async function captured<T>(db: Db, fn: (q: Queryable) => Promise<T>): Promise<{ text: string; params: unknown[] }[]> {
  const sql: { text: string; params: unknown[] }[] = [];
  await db
    .transaction((tx) =>
      fn({
        query: (text: string, params?: unknown[]) => (sql.push({ text, params: params ?? [] }), tx.query(text, params)),
      } as Queryable),
    )
    .catch(() => null);
  return sql;
}

function seqScans(plan: any, out: string[] = []): string[] {
  if (plan['Node Type'] === 'Seq Scan' && ['characters', 'character_aliases'].includes(plan['Relation Name']))
    out.push(plan['Relation Name']);
  for (const p of plan.Plans ?? []) seqScans(p, out);
  return out;
}

/**
 * The CPU time a database backend ran and the time it sat runnable waiting for a core (Linux schedstat, ms),
 * or null where /proc does not show it: the search's own cost, apart from the load of a shared box.
 */
function backendSchedstat(pid: number): { cpu: number; wait: number } | null {
  try {
    const [cpu, wait] = fs.readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ').map(Number);
    return { cpu: cpu! / 1e6, wait: wait! / 1e6 };
  } catch {
    return null;
  }
}

/** A search run again on one connection: the CPU its backend spent on it, and its wait for a core (ms). */
async function backendCost(db: Db, s: CharacterSearch): Promise<{ cpu: number; wait: number } | null> {
  return db
    .transaction(async (tx) => {
      const pid = (await tx.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
      const before = backendSchedstat(pid);
      await searchCharacters(tx, s, { page: 1, perPage: 24, sort: 'relevance' });
      const after = backendSchedstat(pid);
      return before && after ? { cpu: after.cpu - before.cpu, wait: after.wait - before.wait } : null;
    })
    .catch(() => null);
}

/** Searches of each kind whose statements are also run under EXPLAIN ANALYZE. */
const DB_TIME_SAMPLES = 5;

/** The text search and paging figures on a filled database (characters ids 1..N in `rows` order). */
export async function textSearchFigures(
  db: Db,
  rows: SyntheticCharacter[],
  n: number,
  opts: { perKind?: number; explain?: boolean } = {},
): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  const r = rng(4242);
  const kinds: Record<string, (c: SyntheticCharacter) => string> = {
    exact_name: (c) => c.name,
    prefix: (c) => c.name.split(' ')[0]!.slice(0, 5),
    typo: (c) => typo(c.name, r),
    no_space: (c) => c.name.replace(' ', ''),
    anime: (c) => c.anime,
    anime_typo: (c) => typo(c.anime, r),
    rarity_word: (c) => `${c.rarity[0]} ${c.name.split(' ')[0]}`,
    emoji: (c) => `${c.rarity[1]} ${c.name.split(' ')[1]}`,
    card_id: () => `#${1 + Math.floor(r() * n)}`,
  };
  const perKind = opts.perKind ?? (n >= 100_000 ? 25 : 10);
  const toSearch = (raw: string): CharacterSearch => {
    const emojis = [...raw.matchAll(/\p{Extended_Pictographic}/gu)].map((m) => m[0]);
    return { text: normalizeForSearch(raw.replace(/\p{Extended_Pictographic}/gu, '')), emojis };
  };
  const all: number[] = [];
  const byKind: Record<string, { p50: number; p99: number; max: number; target: string }> = {};
  const seq = new Set<string>();
  const dbAll: number[] = [];
  const dbByKind: Record<string, { p50: number; max: number }> = {};
  const plans: Record<string, string> = {};
  const refused: string[] = [];
  const cpuAll: number[] = [];
  const cpuByKind: Record<string, { p50: number; p99: number; max: number; wait_p50: number }> = {};
  const loadBefore = os.loadavg();
  // warm the caches once, as a running server's are
  await searchCharacters(db, toSearch(rows[0]!.name), { page: 1, perPage: 24, sort: 'relevance' }).catch(() => null);
  for (const [kind, make] of Object.entries(kinds)) {
    const times: number[] = [];
    const dbTimes: number[] = [];
    const cpu: number[] = [];
    const waits: number[] = [];
    for (let k = 0; k < perKind; k++) {
      const s = toSearch(make(rows[Math.floor(r() * n)]!));
      const t1 = performance.now();
      const res = await searchCharacters(db, s, { page: 1, perPage: 24, sort: 'relevance' }).catch((err: Error) => err);
      times.push(performance.now() - t1);
      if (res instanceof Error) refused.push(`${kind} ${JSON.stringify(s.text)}: ${res.message}`);
      const cost = await backendCost(db, s);
      if (cost) (cpu.push(cost.cpu), waits.push(cost.wait));
      // the first few of each kind again under EXPLAIN ANALYZE: what the database itself spent (planning
      // and execution of every statement), apart from the wait for a core on a loaded box
      if (k < DB_TIME_SAMPLES) {
        const sql = await captured(db, (q) => searchCharacters(q, s, { page: 1, perPage: 24, sort: 'relevance' }));
        let spent = 0;
        for (const st of sql.filter((x) => /^\s*(SELECT|WITH)/i.test(x.text))) {
          const plan = await db
            .transaction(async (tx) => {
              // the search's settings (SET LOCAL, or set_config in its first statement) before the plan
              for (const set of sql.filter((x) => /^\s*SET LOCAL|set_config\(/i.test(x.text)))
                await tx.query(set.text, set.params);
              const format = opts.explain ? '(ANALYZE, BUFFERS, FORMAT JSON)' : '(ANALYZE, FORMAT JSON)';
              return (await tx.query(`EXPLAIN ${format} ${st.text}`, st.params)).rows[0]['QUERY PLAN'][0];
            })
            .catch(() => null);
          if (!plan) continue;
          spent += plan['Planning Time'] + plan['Execution Time'];
          if (seqScans(plan.Plan).length) seq.add(kind);
        }
        dbTimes.push(spent);
        if (opts.explain) plans[`${kind} ${JSON.stringify(s.text)}`] = `${r3(spent)} ms`;
      }
    }
    cpuAll.push(...cpu);
    if (cpu.length)
      cpuByKind[kind] = {
        p50: r3(pct(cpu, 0.5)),
        p99: r3(pct(cpu, 0.99)),
        max: r3(Math.max(...cpu)),
        wait_p50: r3(pct(waits, 0.5)),
      };
    dbAll.push(...dbTimes);
    dbByKind[kind] = { p50: r3(pct(dbTimes, 0.5)), max: r3(Math.max(...dbTimes)) };
    all.push(...times);
    byKind[kind] = {
      p50: r3(pct(times, 0.5)),
      p99: r3(pct(times, 0.99)),
      max: r3(Math.max(...times)),
      target: '≤ 20 p50, ≤ 60 p99',
    };
  }
  out.text_search_ms = { p50: r3(pct(all, 0.5)), p99: r3(pct(all, 0.99)), target: '≤ 20 p50, ≤ 60 p99 at 1M' };
  out.text_search_by_kind_ms = byKind;
  out.text_search_load_average = { before: loadBefore.map(r3), after: os.loadavg().map(r3), cores: os.cpus().length };
  // the backend's own CPU per search (a second run of each query): what a search costs on an idle core
  out.text_search_backend_cpu_ms = cpuAll.length
    ? {
        p50: r3(pct(cpuAll, 0.5)),
        p99: r3(pct(cpuAll, 0.99)),
        max: r3(Math.max(...cpuAll)),
        target: '≤ 20 p50, ≤ 60 p99 at 1M (CPU of the database backend; the wall figures add the wait for a core)',
      }
    : 'not readable (/proc/<pid>/schedstat)';
  out.text_search_backend_cpu_ms_by_kind = cpuByKind;
  out.text_search_db_ms = {
    p50: r3(pct(dbAll, 0.5)),
    max: r3(Math.max(...dbAll)),
    samples: dbAll.length,
    target: 'what the database spends of the ≤ 20 / ≤ 60 (planning + execution, EXPLAIN ANALYZE)',
  };
  out.text_search_db_ms_by_kind = dbByKind;
  out.text_search_refused = refused.length ? refused : 'none';
  out.text_search_seq_scan_plans = seq.size ? [...seq] : 'none (every statement index-backed)';
  if (opts.explain) out.text_search_explain_analyze = plans;

  // broad queries (a fifth of the gallery matches): capped, answered with an estimated total
  const broad: Record<string, number | string> = {};
  for (const q of ['legendary', 'ka', 'ri', RARITIES[1]![1]!, 'e']) {
    const t1 = performance.now();
    const res = await searchCharacters(db, toSearch(q), { page: 1, perPage: 24, sort: 'relevance' }).catch(
      (err: Error) => err,
    );
    broad[q] = res instanceof Error ? `refused after ${r3(performance.now() - t1)} ms` : r3(performance.now() - t1);
  }
  out.broad_query_ms = { ...broad, target: '≤ ~100 (capped)' };

  // the same queries with every index scan forbidden: what the indexes save. Typos of names are answered
  // by the word index (near misses of their typed words); a piece from inside a word by the trigram index.
  const versusSeqScan = async (queries: string[]) => {
    const forced: number[] = [];
    const indexed: number[] = [];
    for (const raw of queries) {
      const s = toSearch(raw);
      let t1 = performance.now();
      await searchCharacters(db, s, { page: 1, perPage: 24, sort: 'relevance' }).catch(() => null);
      indexed.push(performance.now() - t1);
      t1 = performance.now();
      await db.transaction(async (tx) => {
        await tx.query(
          'SET LOCAL enable_bitmapscan = off; SET LOCAL enable_indexscan = off; SET LOCAL enable_indexonlyscan = off',
        );
        // without the search's cost caps: a sequential scan is what they exist to stop
        const uncapped = (text: string) =>
          text
            .replace(/statement_timeout = \d+/g, 'statement_timeout = 0')
            .replace(/'statement_timeout', '\d+'/g, "'statement_timeout', '0'");
        await searchCharacters(
          { query: (text: string, p?: unknown[]) => tx.query(uncapped(text), p) } as Queryable,
          s,
          {
            page: 1,
            perPage: 24,
            sort: 'relevance',
          },
        );
      });
      forced.push(performance.now() - t1);
    }
    return r3(pct(forced, 0.5) / pct(indexed, 0.5));
  };
  const pick = () => rows[Math.floor(r() * n)]!;
  out.ratio_seq_scan_over_word_index = await versusSeqScan([0, 1, 2].map(() => typo(pick().name, r)));
  // six letters from inside the space-free name: rarely the start of any word, so the trigram tier answers
  out.ratio_seq_scan_over_trigram_index = await versusSeqScan(
    [0, 1, 2].map(() => normalizeForSearch(pick().name).replace(' ', '').slice(2, 8)),
  );
  Object.assign(out, await pagingFigures(db, n));
  return out;
}

/** Page 1 against a deep page (90% into the gallery): OFFSET, keyset cursor, and a numbered jump. */
async function pagingFigures(db: Db, n: number): Promise<Record<string, unknown>> {
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
      // a refusal (the statement cap) counts as what it cost
      await fn().catch(() => null);
      xs.push(performance.now() - t1);
    }
    return pct(xs, 0.5);
  };
  const first = await time(() => searchCharacters(db, { text: '' }, { page: 1, perPage, sort: 'newest' }));
  // OFFSET itself, as numbered pages were served before: what the keyset and the numbered jump save
  const viaOffset = await time(() =>
    db.query(
      `SELECT id FROM characters c WHERE NOT c.hidden AND c.deleted_at IS NULL
        ORDER BY c.created_at DESC, c.id DESC LIMIT $1 OFFSET $2`,
      [perPage, deep * perPage],
    ),
  );
  const viaCursor = await time(() =>
    searchCharacters(db, { text: '' }, { page: deep + 1, perPage, sort: 'newest', after }),
  );
  const numbered = await time(() => searchCharacters(db, { text: '' }, { page: deep + 1, perPage, sort: 'newest' }));
  return {
    gallery_page_ms: {
      page_1: r3(first),
      [`page_${deep + 1}_offset`]: r3(viaOffset),
      [`page_${deep + 1}_keyset`]: r3(viaCursor),
      [`page_${deep + 1}_numbered`]: r3(numbered),
      target: 'deep page (keyset and numbered) as fast as page 1',
    },
    ratio_offset_over_keyset: r3(viaOffset / viaCursor),
    ratio_offset_over_numbered: r3(viaOffset / numbered),
    ratio_numbered_deep_over_page_1: { value: r3(numbered / first), target: '≈ 1 (≤ 1.5)' },
  };
}

/**
 * `npm run bench -- "text search" [--n N] [--db DIR]`: a database of characters and artworks only. With
 * `--db`, the database is kept in DIR and reused by the next run with the same N (a 1M fill takes minutes;
 * a plan change is then measured in seconds).
 */
export async function runTextSearchBench(n = 200_000, keepDir?: string): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = { n };
  const logger = createLogger('silent', 'bench');
  const dir = keepDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'wdx-text-'));
  const filledMark = path.join(dir, `filled-${n}`);
  const db = await openDatabase({ dataDir: dir, logger, role: 'cli' });
  try {
    await migrate(db, logger);
    const rows = syntheticCharacters(n);
    if (!fs.existsSync(filledMark)) {
      const t = performance.now();
      await fillTextDb(db, rows, n);
      out.fill_by_copy_s = r3((performance.now() - t) / 1000);
      if (keepDir) fs.writeFileSync(filledMark, '');
    } else out.fill_by_copy_s = 'reused';
    Object.assign(out, await textSearchFigures(db, rows, n, { explain: process.env.WDX_BENCH_EXPLAIN === '1' }));
  } finally {
    await db.close();
    if (!keepDir) fs.rmSync(dir, { recursive: true, force: true });
  }
  return out;
}

/**
 * Fills characters and their artworks by COPY (with each artwork's image signature when `features` is
 * given: the scale section), then the aliases and search structures, and vacuums what it filled.
 */
export async function fillTextDb(
  db: Db,
  rows: SyntheticCharacter[],
  n: number,
  features?: (i: number) => ImageFeatures,
): Promise<void> {
  const rebuild = await withoutGinIndexes(db);
  await copyRows(db, CHARACTER_COPY, () => characterLines(rows));
  await copyRows(
    db,
    'COPY artworks (id, character_id, file_path, thumb_path, sha256, phash, width, height, bytes, mime) FROM STDIN',
    function* () {
      for (let i = 0; i < n; i++) {
        const phash = features ? codeToBitString(features(i).phash) : '0'.repeat(64);
        yield `${i + 1}\t${i + 1}\tb/${i}.jpg\tb/${i}.t.webp\t${(i + 1).toString(16).padStart(64, '0')}\t${phash}\t800\t1000\t90000\timage/jpeg\n`;
      }
    },
  );
  if (features)
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
  await fillAliases(db, rows);
  await fillSearchDocs(db);
  await rebuild();
  await db.query(`SELECT setval('characters_id_seq', $1), setval('artworks_id_seq', $1)`, [n]);
  const filled = ['characters', 'artworks', 'character_aliases', 'character_search_words', 'search_anime_titles'];
  await settle(db, features ? [...filled, 'artwork_image_features'] : filled);
}

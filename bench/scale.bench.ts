/**
 * `npm run bench -- scale [--n N]` (issue 14): a throw-away embedded PostgreSQL filled by COPY with N
 * synthetic characters, one artwork and one signature row each (default 1M), then every scale figure
 * with its target: the index build at start (cold start) and its memory, browse during the build, the
 * candidate stage and its event-loop blocking, and the text search and paging figures of
 * bench/scale-text.ts on the same database. CI runs `--n 20000`.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import v8 from 'node:v8';
import vm from 'node:vm';
import { openDatabase, type Db } from '@waifudex/core/db/database';
import { migrate } from '@waifudex/core/db/migrate';
import { createLogger } from '@waifudex/core/logger';
import { searchCharacters } from '@waifudex/core/repos/character-search.repo';
import { createImageSearchService } from '@waifudex/core/services/image-search.service';
import { candidatePool } from '@waifudex/core/images/candidate-pool';
import { rng } from '@waifudex/core/images/query-variants';
import type { PreparedQuery } from '@waifudex/core/images/prepare-query';
import { codeToBitString } from '@waifudex/core/images/perceptual-hash';
import { serializeFeatures } from '@waifudex/core/images/feature-blob';
import type { ImageFeatures } from '@waifudex/core/images/feature-types';
import { loadSignaturePool, repostOf, syntheticSignature } from './synthetic-signatures.js';
import { pct, r3 } from './percentiles.js';
import {
  CHARACTER_COPY,
  characterLines,
  copyRows,
  fillAliases,
  fillSearchDocs,
  settle,
  syntheticCharacters,
  textSearchFigures,
  withoutGinIndexes,
  type SyntheticCharacter,
} from './scale-text.js';

/** Fills characters, artworks and signatures by COPY; returns what the queries need. */
async function fill(db: Db, n: number, features: (i: number) => ImageFeatures): Promise<SyntheticCharacter[]> {
  const rows = syntheticCharacters(n);
  const rebuildGin = await withoutGinIndexes(db);
  await copyRows(db, CHARACTER_COPY, () => characterLines(rows));
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
  await fillAliases(db, rows);
  await fillSearchDocs(db);
  await rebuildGin();
  await db.query(`SELECT setval('characters_id_seq', $1), setval('artworks_id_seq', $1)`, [n]);
  await settle(db, ['characters', 'character_aliases']);
  await db.query('ANALYZE artworks');
  await db.query('ANALYZE artwork_image_features');
  return rows;
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
    let t = performance.now();
    const rows = await fill(db, n, featuresOf);
    out.fill_by_copy_s = r3((performance.now() - t) / 1000);

    // --- cold start: the index streams from the database while browse queries answer
    const loop = monitorEventLoopDelay({ resolution: 5 });
    loop.enable();
    const search = createImageSearchService({ db, imagesDir: dir, logger, pollMs: 0, backgroundReindex: false });
    // a collection before each heap reading, so that the growth is what the index keeps
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    gc();
    const heap0 = process.memoryUsage();
    t = performance.now();
    const started = search.start();
    const browse: number[] = [];
    let ready = false;
    void started.then(() => (ready = true));
    while (!ready) {
      const b = performance.now();
      await searchCharacters(db, { text: '' }, { page: 1, perPage: 24, sort: 'newest' });
      browse.push(performance.now() - b);
      await new Promise((res) => setTimeout(res, 200));
    }
    await started;
    const coldMs = performance.now() - t;
    loop.disable();
    gc();
    const heap1 = process.memoryUsage();
    const mem = search.index.memoryBytes();
    out.cold_start_s = { value: r3(coldMs / 1000), per_1M: r3(((coldMs / 1000) * 1e6) / n), target: '≤ 30 s at 1M' };
    out.cold_start_event_loop_max_ms = r3(loop.max / 1e6);
    out.browse_during_build_ms = { p50: r3(pct(browse, 0.5)), max: r3(Math.max(...browse)), requests: browse.length };
    out.index_memory_per_1M_MB = { value: Math.round(((mem.total / n) * 1e6) / 1e5) / 10, target: '≤ 300' };
    out.process_heap_growth_per_1M_MB =
      Math.round((((heap1.heapUsed + heap1.arrayBuffers - heap0.heapUsed - heap0.arrayBuffers) / n) * 1e6) / 1e5) / 10;

    // --- candidate stage on the index the database built, and how long it holds the event loop
    const r = rng(99);
    const stage: number[] = [];
    const searchLoop = monitorEventLoopDelay({ resolution: 5 });
    searchLoop.enable();
    for (let k = 0; k < 60; k++) {
      const i = Math.floor(r() * n);
      const a = repostOf(featuresOf(i), r);
      const b = repostOf(featuresOf((i + 1) % n), r);
      const q = { variants: [a, b] } as unknown as PreparedQuery;
      const s = performance.now();
      candidatePool(search.index, q, 24, 64);
      stage.push(performance.now() - s);
      await new Promise((res) => setImmediate(res));
    }
    searchLoop.disable();
    out.candidate_stage_2_variants_ms = {
      p50: r3(pct(stage, 0.5)),
      p99: r3(pct(stage, 0.99)),
      target: '≤ 5 p50, ≤ 15 p99',
    };
    out.search_event_loop_max_ms = { value: r3(searchLoop.max / 1e6), target: '≤ 50' };
    search.stop();

    // --- text search by kind and gallery paging (bench/scale-text.ts)
    Object.assign(out, await textSearchFigures(db, rows, n));
  } finally {
    await db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return out;
}

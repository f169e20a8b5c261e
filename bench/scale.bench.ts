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
import { openDatabase, type Db } from '@waifudex/core/db/database';
import { migrate } from '@waifudex/core/db/migrate';
import { createLogger } from '@waifudex/core/logger';
import { rng } from '@waifudex/core/images/query-variants';
import { codeToBitString } from '@waifudex/core/images/perceptual-hash';
import { serializeFeatures } from '@waifudex/core/images/feature-blob';
import type { ImageFeatures } from '@waifudex/core/images/feature-types';
import { loadSignaturePool, syntheticSignature } from './synthetic-signatures.js';
import { measureImageIndex } from './scale-index.js';
import { r3 } from './percentiles.js';
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
} from './scale-text.js';

/** Fills characters, artworks and signatures by COPY (the characters: syntheticCharacters(n)). */
async function fill(db: Db, n: number, features: (i: number) => ImageFeatures): Promise<void> {
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
  await settle(db, ['characters', 'character_aliases', 'character_search_words', 'search_anime_titles']);
  await db.query('ANALYZE artworks');
  await db.query('ANALYZE artwork_image_features');
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
    // the rows are not kept meanwhile: a million of them on this thread's heap make its full garbage
    // collections long, and the event-loop figures below would measure the bench's own heap
    await fill(db, n, featuresOf);
    out.fill_by_copy_s = r3((performance.now() - t) / 1000);

    // --- the image index: cold start, memory, candidate stage, event loop (bench/scale-index.ts)
    const r = rng(99);
    Object.assign(out, await measureImageIndex(db, dir, n, featuresOf, r));

    // --- text search by kind and gallery paging (bench/scale-text.ts)
    Object.assign(out, await textSearchFigures(db, syntheticCharacters(n), n));
  } finally {
    await db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return out;
}

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
import { openDatabase } from '@waifudex/core/db/database';
import { migrate } from '@waifudex/core/db/migrate';
import { createLogger } from '@waifudex/core/logger';
import { rng } from '@waifudex/core/images/query-variants';
import { loadSignaturePool, syntheticSignature } from './synthetic-signatures.js';
import { measureImageIndex } from './scale-index.js';
import { r3 } from './percentiles.js';
import { fillTextDb, syntheticCharacters, textSearchFigures } from './scale-text.js';

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
    await fillTextDb(db, syntheticCharacters(n), n, featuresOf);
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

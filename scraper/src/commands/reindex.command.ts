/**
 * `npm run reindex [-- --all]`: recomputes reverse-search signatures for artworks whose stored
 * algorithm version is older than the current one (or missing), from the stored original files.
 * Resumable and idempotent; the change-log trigger updates every running search index.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { analyzeImage } from '@waifudex/core/images/analyze-image';
import { FEATURES_VERSION } from '@waifudex/core/images/signatures';
import { countArtworksNeedingFeatures, insertArtworkFeatures, listArtworksNeedingFeatures } from '@waifudex/core/repos/image-features.repo';
import type { CommandContext } from '../context.js';

export default async function reindex(args: string[], ctx: CommandContext): Promise<void> {
  const { values } = parseArgs({ args, options: { all: { type: 'boolean' } } });
  // --all: treat every row as stale by asking for a version that no row has
  const version = values.all ? -1 : FEATURES_VERSION;
  const total = await countArtworksNeedingFeatures(ctx.db, version);
  const started = Date.now();
  let done = 0;
  let failed = 0;
  let after = '0';
  const draw = () => {
    const rate = done / Math.max(0.001, (Date.now() - started) / 1000);
    const line = `reindexing ${done}/${total} (v${FEATURES_VERSION})${failed ? ` · failed ${failed}` : ''} · ${rate.toFixed(1)} img/s`;
    ctx.progress.write(ctx.progress.isTTY ? `\r${line}\x1b[K` : `${line}\n`);
  };
  for (;;) {
    const batch = await listArtworksNeedingFeatures(ctx.db, version, after, 200);
    if (batch.length === 0) break;
    for (const row of batch) {
      after = row.id;
      try {
        const bytes = await fs.readFile(path.resolve(ctx.config.imagesDir, row.filePath));
        const a = await analyzeImage(bytes, { maxBytes: Number.MAX_SAFE_INTEGER, maxPixels: ctx.config.maxImagePixels });
        await insertArtworkFeatures(ctx.db, row.id, a.features);
      } catch (err) {
        failed++;
        ctx.logger.warn({ artworkId: row.id, file: row.filePath, err: (err as Error).message }, 'could not reindex');
      }
      done++;
      if (ctx.progress.isTTY || done % 100 === 0) draw();
    }
  }
  draw();
  if (ctx.progress.isTTY) ctx.progress.write('\n');
  console.log(JSON.stringify({ version: FEATURES_VERSION, reindexed: done - failed, failed, seconds: (Date.now() - started) / 1000 }));
  if (failed) process.exitCode = 1;
}

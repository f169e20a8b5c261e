/**
 * `npm run scraper -- embed [--all] [--limit N]`: back-fills CLIP embeddings (CLIP_MODEL) for artworks
 * that have none for the configured model, from the stored original files. Idempotent and resumable
 * (a second run finds nothing to do); `--all` recomputes every row. Prints a progress line on stderr
 * and a JSON summary on stdout. New artworks are embedded at ingest when the server/scraper are wired
 * with withSimilarEmbeddings; this command covers older rows, a model change and dropped queue items.
 */
import path from 'node:path';
import { createClipEmbedder, type ImageEmbedder } from '@waifudex/core/images/clip-embedder';
import { countArtworksWithoutEmbedding, listArtworksWithoutEmbedding } from '@waifudex/core/repos/embeddings.repo';
import { createSimilarArtworksService } from '@waifudex/core/services/similar-artworks.service';
import type { CommandContext } from '../context.js';
import { bar, statusLine } from '../progress/progress.js';
import { UserError } from '@waifudex/core/errors';
import { parseCommandLine } from '../cli/parse.js';

function userError(message: string): Error {
  return new UserError(message);
}

/** `embedder` is for tests; normally built from CLIP_MODEL. */
export default async function embed(args: string[], ctx: CommandContext, embedder?: ImageEmbedder): Promise<void> {
  const { opts } = parseCommandLine('embed', args);
  const limit = opts.limit ?? Infinity;
  if (!embedder && !ctx.config.clipModel) {
    throw userError(
      'CLIP_MODEL is not set: set it to a transformers.js CLIP folder or a hub id such as Xenova/clip-vit-base-patch32',
    );
  }
  const clip =
    embedder ??
    createClipEmbedder({
      model: ctx.config.clipModel!,
      cacheDir: path.join(ctx.config.dataDir, 'models'),
      decode: { maxBytes: Number.MAX_SAFE_INTEGER, maxPixels: ctx.config.maxImagePixels },
      logger: ctx.logger,
    });
  const similar = createSimilarArtworksService({ db: ctx.db, logger: ctx.logger, embedder: clip });
  try {
    const status = await similar.start();
    if (!status.enabled) throw userError(`CLIP similarity is unavailable: ${status.reason}`);
    const model = status.model!;
    const all = opts.all === true;
    const total = Math.min(limit, await countArtworksWithoutEmbedding(ctx.db, model, all));
    const started = Date.now();
    let done = 0;
    let failed = 0;
    let after = '0';
    const progressLine = statusLine(ctx.progress);
    const draw = () => {
      const secs = Math.max(0.001, (Date.now() - started) / 1000);
      const rate = done / secs;
      const eta = rate > 0 ? Math.round((total - done) / rate) : 0;
      const line = `embedding ${bar(done, total)}${failed ? ` · failed ${failed}` : ''} · ${rate.toFixed(1)} img/s · eta ${eta}s`;
      progressLine.update(line);
    };
    outer: for (;;) {
      const batch = await listArtworksWithoutEmbedding(ctx.db, model, after, 100, all);
      if (batch.length === 0) break;
      for (const row of batch) {
        if (done >= limit) break outer;
        after = row.id;
        try {
          const bytes = await ctx.images.get(row.filePath);
          if (!bytes) throw new Error('the original is missing from the image store');
          await similar.embedArtwork(row.id, bytes);
        } catch (err) {
          failed++;
          ctx.logger.warn({ artworkId: row.id, file: row.filePath, err: (err as Error).message }, 'could not embed');
        }
        done++;
        if (progressLine.live || done % 100 === 0) draw();
      }
    }
    draw();
    progressLine.end();
    console.log(
      JSON.stringify({ model: status.model, embedded: done - failed, failed, seconds: (Date.now() - started) / 1000 }),
    );
    if (failed) process.exitCode = 1;
  } finally {
    await similar.close();
  }
}

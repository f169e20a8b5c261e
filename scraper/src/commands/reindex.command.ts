/**
 * `npm run reindex [-- --all]`: recomputes reverse-search signatures for artworks whose stored
 * algorithm version is older than the current one (or missing), from the stored original files, then
 * makes the srcset thumbnails (240/480/720 px) of artworks stored before they existed.
 * Resumable and idempotent; the change-log trigger updates every running search index. (A starting
 * search service does the same in the background; this command is the foreground, faster way.)
 */
import { FEATURES_VERSION } from '@waifudex/core/images/feature-types';
import { reindexArtworkFeatures, type ReindexProgress } from '@waifudex/core/services/image-reindex.service';
import { backfillThumbnails, type BackfillProgress } from '@waifudex/core/services/thumbnail-backfill.service';
import type { CommandContext } from '../context.js';
import { statusLine } from '../progress/progress.js';
import { parseCommandLine } from '../cli/parse.js';

export default async function reindex(args: string[], ctx: CommandContext): Promise<void> {
  const { opts: values } = parseCommandLine('reindex', args);
  const started = Date.now();
  const progressLine = statusLine(ctx.progress);
  const draw = (p: ReindexProgress) => {
    const line = `reindexing ${p.done}/${p.total} (v${FEATURES_VERSION})${p.failed ? ` · failed ${p.failed}` : ''} · ${p.rate.toFixed(1)} img/s`;
    progressLine.update(line);
  };
  const p = await reindexArtworkFeatures({
    db: ctx.db,
    images: ctx.images,
    logger: ctx.logger,
    maxPixels: ctx.config.maxImagePixels,
    // --all: treat every row as stale by asking for a version that no row has
    version: values.all ? -1 : FEATURES_VERSION,
    concurrency: 2,
    onRow: (_row, prog) => {
      if (progressLine.live || prog.done % 100 === 0) draw(prog);
    },
  });
  draw(p);
  progressLine.end();
  const thumbsLine = statusLine(ctx.progress);
  const drawThumbs = (t: BackfillProgress) =>
    thumbsLine.update(`thumbnails ${t.done}/${t.total}${t.failed ? ` · failed ${t.failed}` : ''}`);
  const t = await backfillThumbnails({
    db: ctx.db,
    images: ctx.images,
    logger: ctx.logger,
    maxPixels: ctx.config.maxImagePixels,
    onRow: (prog) => (thumbsLine.live || prog.done % 100 === 0) && drawThumbs(prog),
  });
  if (t.total) {
    drawThumbs(t);
    thumbsLine.end();
  }
  console.log(
    JSON.stringify({
      version: FEATURES_VERSION,
      reindexed: p.done - p.failed,
      failed: p.failed,
      thumbnails: t.done - t.failed,
      thumbnailsFailed: t.failed,
      seconds: (Date.now() - started) / 1000,
    }),
  );
  if (p.failed || t.failed) process.exitCode = 1;
}

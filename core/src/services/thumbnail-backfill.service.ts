/**
 * Gives artworks stored before srcset thumbnails existed their 240/480/720 px thumbnails, from the stored
 * originals (`npm run reindex`). Resumable (keyset by id) and idempotent: files first, then the row (only
 * if no one did it meanwhile), then the old single thumbnail is removed.
 */
import type { Queryable } from '../db/database.js';
import type { Logger } from '../logger.js';
import { makeThumbnails } from '../images/thumbnails.js';
import {
  countArtworksWithoutThumbWidths,
  listArtworksWithoutThumbWidths,
  setArtworkThumbWidths,
} from '../repos/artworks.repo.js';
import type { ImageStore } from './image-store.js';
import { putThumbnails } from './image-files.js';

export interface BackfillProgress {
  total: number;
  done: number;
  failed: number;
}

export async function backfillThumbnails(opts: {
  db: Queryable;
  images: ImageStore;
  logger: Logger;
  maxPixels?: number;
  onRow?: (p: BackfillProgress) => void;
  signal?: AbortSignal;
}): Promise<BackfillProgress> {
  const { db, images, logger } = opts;
  const p: BackfillProgress = { total: await countArtworksWithoutThumbWidths(db), done: 0, failed: 0 };
  let after = '0';
  while (!opts.signal?.aborted) {
    const batch = await listArtworksWithoutThumbWidths(db, after, 100);
    if (!batch.length) break;
    for (const row of batch) {
      if (opts.signal?.aborted) break;
      after = row.id;
      try {
        const bytes = await images.get(row.filePath);
        if (!bytes) throw new Error('the original is missing from the image store');
        const files = await putThumbnails(
          images,
          row.sha256,
          await makeThumbnails(bytes, { maxPixels: opts.maxPixels }),
        );
        if (
          (await setArtworkThumbWidths(db, row.id, files.thumbPath, files.thumbWidths)) &&
          row.thumbPath !== files.thumbPath
        ) {
          await images.remove([row.thumbPath]);
        }
      } catch (err) {
        p.failed++;
        logger.warn(
          { artworkId: row.id, file: row.filePath, err: (err as Error).message },
          'could not make thumbnails',
        );
      }
      p.done++;
      opts.onRow?.(p);
    }
  }
  return p;
}

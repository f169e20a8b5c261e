/**
 * Recomputes reverse-search signatures of artworks whose stored features are missing or at another
 * algorithm version, from the stored original files. Shared by `npm run reindex` and the search
 * service's background catch-up at start. Resumable (keyset by id) and idempotent; each stored row is
 * logged by the change-log trigger, so every running search index picks it up.
 */
import type { Queryable } from '../db/database.js';
import type { Logger } from '../logger.js';
import { sharedImagePool, type ImagePool } from '../images/image-pool.js';
import { FEATURES_VERSION, type ImageFeatures } from '../images/feature-types.js';
import {
  countArtworksNeedingFeatures,
  insertArtworkFeatures,
  listArtworksNeedingFeatures,
} from '../repos/image-features.repo.js';
import type { ImageStore } from './image-store.js';
import { imageStoreOf } from './image-files.js';

export interface ReindexProgress {
  total: number;
  done: number;
  failed: number;
  /** Rows per second so far. */
  rate: number;
}

export interface ReindexOptions {
  db: Queryable;
  /** Where the originals are; `imagesDir` is shorthand for a local folder store. */
  images?: ImageStore;
  imagesDir?: string;
  logger: Logger;
  /** Decompression-bomb guard for the stored files. */
  maxPixels?: number;
  /** Recompute rows not at this version (−1: every row). Default FEATURES_VERSION. */
  version?: number;
  /** Files analysed at once (1–2 keeps a serving process responsive). */
  concurrency?: number;
  /** Called after every row (stored or failed). */
  onRow?: (row: { artworkId: string; features: ImageFeatures | null }, p: ReindexProgress) => void | Promise<void>;
  /** Stop early (checked between rows). */
  signal?: AbortSignal;
  batchSize?: number;
  /** Where the files are decoded and hashed (default: the process's shared worker pool). */
  imagePool?: ImagePool;
}

export async function countStaleArtworks(db: Queryable, version = FEATURES_VERSION): Promise<number> {
  return countArtworksNeedingFeatures(db, version);
}

/** Recomputes stale signatures; failures (missing/corrupt files) are logged and skipped. */
export async function reindexArtworkFeatures(opts: ReindexOptions): Promise<ReindexProgress> {
  const { db, logger } = opts;
  const store = imageStoreOf(opts);
  const version = opts.version ?? FEATURES_VERSION;
  const concurrency = Math.max(1, Math.min(4, opts.concurrency ?? 2));
  const pool = opts.imagePool ?? sharedImagePool();
  const total = await countArtworksNeedingFeatures(db, version);
  const started = Date.now();
  const p: ReindexProgress = { total, done: 0, failed: 0, rate: 0 };
  let after = '0';
  while (!opts.signal?.aborted) {
    const batch = await listArtworksNeedingFeatures(db, version, after, opts.batchSize ?? 200);
    if (batch.length === 0) break;
    after = batch[batch.length - 1]!.id;
    let next = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < batch.length && !opts.signal?.aborted) {
          const row = batch[next++]!;
          let features: ImageFeatures | null = null;
          try {
            const bytes = await store.get(row.filePath);
            if (!bytes) throw new Error('the original is missing from the image store');
            const a = await pool.analyze(bytes, {
              maxBytes: Number.MAX_SAFE_INTEGER,
              maxPixels: opts.maxPixels,
              thumbnails: false,
            });
            await insertArtworkFeatures(db, row.id, a.features);
            features = a.features;
          } catch (err) {
            p.failed++;
            logger.warn(
              { artworkId: row.id, file: row.filePath, err: (err as Error).message },
              'could not recompute image signatures',
            );
          }
          p.done++;
          p.rate = p.done / Math.max(0.001, (Date.now() - started) / 1000);
          await opts.onRow?.({ artworkId: row.id, features }, p);
        }
      }),
    );
  }
  return p;
}

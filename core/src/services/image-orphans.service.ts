/**
 * Files left behind by a process that died mid-ingest: a temp file it never renamed (local store), or a
 * stored file whose row was never committed. Only files older than `minAgeMs` are touched, so an ingest
 * in flight in another process (file written, row not yet committed) is never raced.
 */
import type { Db } from '../db/database.js';
import { findReferencedPaths } from '../repos/artworks.repo.js';
import { isProcessAlive as isAlive } from '../process-alive.js';
import { LOCAL_TEMP_RE } from '../storage/local-image-store.js';
import { imageStoreOf } from './image-files.js';
import type { ImageStore } from './image-store.js';

export interface SweepResult {
  tempFiles: number;
  orphans: number;
}

const BATCH = 500;

/** Sweeps a store (or, as shorthand, a local images folder). */
export async function sweepOrphanFiles(
  db: Db,
  images: ImageStore | string,
  minAgeMs = 15 * 60_000,
): Promise<SweepResult> {
  const store = typeof images === 'string' ? imageStoreOf({ imagesDir: images }) : images;
  const result: SweepResult = { tempFiles: 0, orphans: 0 };
  const cutoff = Date.now() - minAgeMs;
  const flush = async (candidates: string[]) => {
    const referenced = await findReferencedPaths(db, candidates);
    const orphans = candidates.filter((k) => !referenced.has(k));
    await store.remove(orphans);
    result.orphans += orphans.length;
  };
  for (const top of ['originals/', 'thumbs/']) {
    let candidates: string[] = [];
    for await (const o of store.list(top)) {
      if (o.modifiedAt.getTime() > cutoff) continue;
      const temp = LOCAL_TEMP_RE.exec(o.key);
      if (temp) {
        if (!isAlive(Number(temp[1]))) {
          await store.remove([o.key]);
          result.tempFiles++;
        }
        continue;
      }
      candidates.push(o.key);
      if (candidates.length >= BATCH) {
        await flush(candidates);
        candidates = [];
      }
    }
    if (candidates.length) await flush(candidates);
  }
  return result;
}

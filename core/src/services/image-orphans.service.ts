/**
 * Files left behind by a process that died mid-ingest: a temp file it never renamed, or a stored file
 * whose row was never committed. Only files older than `minAgeMs` are touched, so an ingest in flight in
 * another process (file written, row not yet committed) is never raced.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Db } from '../db/database.js';
import { findReferencedPaths } from '../repos/artworks.repo.js';
import { isProcessAlive as isAlive } from '../process-alive.js';

const TEMP_RE = /\.tmp-(\d+)-[0-9a-f]+$/;

export interface SweepResult {
  tempFiles: number;
  orphans: number;
}

export async function sweepOrphanFiles(db: Db, imagesDir: string, minAgeMs = 15 * 60_000): Promise<SweepResult> {
  const result: SweepResult = { tempFiles: 0, orphans: 0 };
  const cutoff = Date.now() - minAgeMs;
  for (const top of ['originals', 'thumbs']) {
    let shards: string[];
    try {
      shards = await fs.readdir(path.join(imagesDir, top));
    } catch {
      continue;
    }
    for (const shard of shards) {
      const dir = path.join(imagesDir, top, shard);
      const names = await fs.readdir(dir).catch(() => [] as string[]);
      const candidates: string[] = [];
      for (const name of names) {
        const abs = path.join(dir, name);
        const st = await fs.stat(abs).catch(() => null);
        if (!st?.isFile() || st.mtimeMs > cutoff) continue;
        const temp = TEMP_RE.exec(name);
        if (temp) {
          if (!isAlive(Number(temp[1]))) {
            await fs.rm(abs, { force: true });
            result.tempFiles++;
          }
          continue;
        }
        candidates.push(`${top}/${shard}/${name}`);
      }
      const referenced = await findReferencedPaths(db, candidates);
      for (const rel of candidates) {
        if (referenced.has(rel)) continue;
        await fs.rm(path.join(imagesDir, rel), { force: true });
        result.orphans++;
      }
    }
  }
  return result;
}


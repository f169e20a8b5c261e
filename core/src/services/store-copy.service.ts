/**
 * Copies every stored image from one store to another (local folder ⇄ S3) for `npm run storage:migrate`.
 * Resumable: an object already at the destination with the same SHA-256 is left alone, so a second run
 * after an interruption only moves what is missing. Verified: each copy is read back and compared by
 * SHA-256 (originals also against the hash in their name), and every key the database refers to must be
 * at the destination afterwards.
 */
import crypto from 'node:crypto';
import type { Queryable } from '../db/database.js';
import { assertImageKey, contentTypeOf, isImageKey, thumbKey, type ImageStore } from './image-store.js';

export interface StoreCopyResult {
  /** Objects written to the destination. */
  copied: number;
  /** Objects that were there already with the same content (a resumed run). */
  alreadyThere: number;
  /** Objects that could not be copied or did not read back the same. */
  failed: string[];
  /** Keys the database refers to that are at the destination neither before nor after. */
  missing: string[];
  bytes: number;
}

const sha = (b: Buffer) => crypto.createHash('sha256').update(b).digest('hex');
const ORIGINAL_RE = /^originals\/[0-9a-f]{2}\/([0-9a-f]{64})\.[a-z0-9]+$/;

export async function copyImageStore(opts: {
  db: Queryable;
  from: ImageStore;
  to: ImageStore;
  concurrency?: number;
  onProgress?: (r: StoreCopyResult & { seen: number }) => void;
  signal?: AbortSignal;
}): Promise<StoreCopyResult> {
  const { from, to } = opts;
  const r: StoreCopyResult = { copied: 0, alreadyThere: 0, failed: [], missing: [], bytes: 0 };
  let seen = 0;

  async function copyOne(key: string): Promise<void> {
    const bytes = await from.get(key);
    if (!bytes) return; // removed since the listing (a deleted character)
    const want = sha(bytes);
    const named = ORIGINAL_RE.exec(key);
    if (named && named[1] !== want) throw new Error('the source file does not match the hash in its name');
    const there = await to.get(key);
    if (there && sha(there) === want) {
      r.alreadyThere++;
      return;
    }
    if (there) await to.remove([key]); // a damaged copy from an earlier run: put never overwrites
    await to.put(key, bytes, contentTypeOf(key));
    const back = await to.get(key);
    if (!back || sha(back) !== want) throw new Error('the copy did not read back the same');
    r.copied++;
    r.bytes += bytes.length;
  }

  for (const top of ['originals/', 'thumbs/']) {
    const queue: string[] = [];
    for await (const o of from.list(top)) if (isImageKey(o.key)) queue.push(o.key); // temp files of a local store are skipped
    let next = 0;
    await Promise.all(
      Array.from({ length: Math.max(1, Math.min(16, opts.concurrency ?? 4)) }, async () => {
        while (next < queue.length && !opts.signal?.aborted) {
          const key = queue[next++]!;
          try {
            await copyOne(key);
          } catch (err) {
            r.failed.push(`${key}: ${(err as Error).message}`);
          }
          seen++;
          opts.onProgress?.({ ...r, seen });
        }
      }),
    );
  }
  if (!opts.signal?.aborted) r.missing = await missingReferencedKeys(opts.db, to);
  return r;
}

/** Keys the artworks table refers to that the store lacks. */
export async function missingReferencedKeys(db: Queryable, store: ImageStore): Promise<string[]> {
  const missing: string[] = [];
  let after = '0';
  for (;;) {
    const rows = await db.query<{
      id: string;
      file_path: string;
      thumb_path: string;
      sha256: string;
      thumb_widths: number[];
    }>(
      'SELECT id::text, file_path, thumb_path, sha256, thumb_widths FROM artworks WHERE id > $1::bigint ORDER BY id LIMIT 500',
      [after],
    );
    if (!rows.rows.length) return missing;
    after = rows.rows[rows.rows.length - 1]!.id;
    const keys = rows.rows.flatMap((a) => [
      ...new Set([a.file_path, a.thumb_path, ...a.thumb_widths.map((w) => thumbKey(a.sha256, w))]),
    ]);
    const present = await Promise.all(keys.map((k) => (assertImageKey(k), store.exists(k))));
    keys.forEach((k, i) => present[i] || missing.push(k));
  }
}

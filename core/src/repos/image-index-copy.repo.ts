/**
 * The index build's read of every searchable signature as one binary COPY stream (no per-row text
 * decoding, no pages): the same rows as iterateIndexEntries, in id order.
 */
import type { Readable } from 'node:stream';
import { to as copyTo } from 'pg-copy-streams';
import type { Db } from '../db/database.js';

/**
 * Streams (artwork id, character id, signature) in PostgreSQL's binary COPY format to `onChunk`, which
 * may wait (backpressure). One statement in its own transaction, without the pool's statement deadline
 * (a million rows take longer than a request may).
 */
export async function copyIndexEntries(
  db: Db,
  version: number,
  onChunk: (chunk: Uint8Array) => Promise<void>,
): Promise<void> {
  const client = await db.pool.connect();
  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    await client.query('SET LOCAL statement_timeout = 0');
    const v = Number(version);
    if (!Number.isInteger(v)) throw new Error(`bad features version ${version}`);
    const stream: Readable = client.query(
      copyTo(`COPY (SELECT a.id, a.character_id, f.signature
        FROM artworks a JOIN artwork_image_features f ON f.artwork_id = a.id
        WHERE NOT a.hidden AND a.deleted_at IS NULL AND f.algo_version = ${v}
        ORDER BY a.id) TO STDOUT (FORMAT binary)`),
    );
    try {
      for await (const chunk of stream) await onChunk(chunk as Buffer);
    } catch (err) {
      stream.destroy();
      throw err;
    }
    await client.query('COMMIT');
  } catch (err) {
    broken = err as Error;
    throw err;
  } finally {
    // a COPY cut off midway leaves the connection unusable: drop it (its transaction ends with it)
    client.release(broken);
  }
}

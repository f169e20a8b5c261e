/** SQL for Telegram file_unique_id values the bot already answered with a sure match. */
import type { Queryable } from '../db/database.js';

/** The artwork a known file showed, or null (unknown, or the artwork is gone or hidden). */
export async function findKnownFileArtwork(q: Queryable, fileUniqueId: string): Promise<string | null> {
  const r = await q.query<{ artwork_id: string }>(
    `UPDATE bot_known_files k SET hits = hits + 1, last_seen_at = now()
       FROM artworks a WHERE k.file_unique_id = $1 AND a.id = k.artwork_id AND NOT a.hidden AND a.deleted_at IS NULL
     RETURNING k.artwork_id::text`,
    [fileUniqueId],
  );
  return r.rows[0]?.artwork_id ?? null;
}

/** Remembers which artwork a file showed (the latest answer wins). */
export async function upsertKnownFile(q: Queryable, fileUniqueId: string, artworkId: string): Promise<void> {
  await q.query(
    `INSERT INTO bot_known_files (file_unique_id, artwork_id) VALUES ($1, $2)
     ON CONFLICT (file_unique_id) DO UPDATE SET artwork_id = EXCLUDED.artwork_id, last_seen_at = now()`,
    [fileUniqueId, artworkId],
  );
}

/** SQL for links to the Telegram posts that an artwork came from. */
import type { Queryable } from '../db/database.js';

export interface PostLink {
  artworkId: string;
  url: string;
  channel: string;
}

/**
 * `https://t.me/<channel>/<message>` of each visible artwork of a visible character whose channel is
 * public (has a username); private channels have no link anyone else could open.
 */
export async function listPublicPostLinks(q: Queryable, characterId: string): Promise<PostLink[]> {
  const r = await q.query<{ artwork_id: string; username: string; message_id: string }>(
    `SELECT a.id AS artwork_id, ch.username, a.message_id::text AS message_id
       FROM artworks a JOIN characters c ON c.id = a.character_id JOIN channels ch ON ch.id = a.channel_id
      WHERE a.character_id = $1 AND NOT a.hidden AND NOT c.hidden AND a.deleted_at IS NULL AND c.deleted_at IS NULL AND a.message_id IS NOT NULL AND ch.username ~ '^[A-Za-z0-9_]{4,32}$'
      ORDER BY a.is_current DESC, a.created_at DESC, a.id DESC`,
    [characterId],
  );
  return r.rows.map((row) => ({
    artworkId: row.artwork_id,
    url: `https://t.me/${row.username}/${row.message_id}`,
    channel: row.username,
  }));
}

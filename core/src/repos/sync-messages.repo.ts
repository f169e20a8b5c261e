/** SQL the Telegram sync needs over stored messages (artworks that came from a channel and their characters). */
import type { Queryable } from '../db/database.js';

/** An artwork stored from a channel message, with what the edit/delete pass needs of its character. */
export interface StoredMessage {
  artworkId: string;
  characterId: string;
  messageId: number;
  groupedId: string | null;
  artworkHidden: boolean;
  isCurrent: boolean;
  characterHidden: boolean;
  rawCaption: string;
  sourceId: string | null;
}

const SELECT = `SELECT a.id::text AS artwork_id, a.character_id::text AS character_id, a.message_id, a.grouped_id::text AS grouped_id,
  a.hidden AS artwork_hidden, a.is_current, c.hidden AS character_hidden, a.raw_caption, a.source_id
  FROM artworks a JOIN characters c ON c.id = a.character_id`;

function toStored(r: any): StoredMessage {
  return {
    artworkId: r.artwork_id,
    characterId: r.character_id,
    messageId: Number(r.message_id),
    groupedId: r.grouped_id,
    artworkHidden: r.artwork_hidden,
    isCurrent: r.is_current,
    characterHidden: r.character_hidden,
    rawCaption: r.raw_caption,
    sourceId: r.source_id,
  };
}

/** Visible artworks of a channel posted since `since`, oldest message first. */
export async function listRecentChannelMessages(
  q: Queryable,
  channelId: string,
  since: Date,
): Promise<StoredMessage[]> {
  const r = await q.query(
    `${SELECT} WHERE a.channel_id = $1 AND a.message_id IS NOT NULL AND NOT a.hidden AND a.created_at >= $2
    ORDER BY a.message_id`,
    [channelId, since],
  );
  return r.rows.map(toStored);
}

/** The stored messages with these ids in a channel. */
export async function findStoredMessages(
  q: Queryable,
  channelId: string,
  messageIds: number[],
): Promise<StoredMessage[]> {
  if (messageIds.length === 0) return [];
  const r = await q.query(
    `${SELECT} WHERE a.channel_id = $1 AND a.message_id = ANY($2::bigint[]) ORDER BY a.message_id`,
    [channelId, messageIds],
  );
  return r.rows.map(toStored);
}

/** The stored messages of an album (same grouped id) in a channel. */
export async function findStoredAlbum(q: Queryable, channelId: string, groupedId: string): Promise<StoredMessage[]> {
  const r = await q.query(`${SELECT} WHERE a.channel_id = $1 AND a.grouped_id = $2 ORDER BY a.message_id`, [
    channelId,
    groupedId,
  ]);
  return r.rows.map(toStored);
}

/** Hides an artwork (its post was deleted); returns false when it was already hidden. */
export async function hideArtwork(q: Queryable, artworkId: string): Promise<boolean> {
  const r = await q.query('UPDATE artworks SET hidden = true WHERE id = $1 AND NOT hidden', [artworkId]);
  return (r.rowCount ?? 0) > 0;
}

/** How many visible artworks a character still has. */
export async function countVisibleArtworks(q: Queryable, characterId: string): Promise<number> {
  const r = await q.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM artworks WHERE character_id = $1 AND NOT hidden',
    [characterId],
  );
  return r.rows[0]?.n ?? 0;
}

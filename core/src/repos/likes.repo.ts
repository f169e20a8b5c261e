/** SQL for visitors' likes (favourites) of characters; the per-character counts are kept by a trigger. */
import type { Queryable } from '../db/database.js';

/** Likes or unlikes; returns the character's like count afterwards, or null when there is no visible character of that id. */
export async function setLike(
  q: Queryable,
  visitorId: string,
  characterId: string,
  liked: boolean,
): Promise<number | null> {
  const exists = await q.query('SELECT 1 FROM characters WHERE id = $1 AND NOT hidden', [characterId]);
  if (!exists.rows.length) return null;
  if (liked) {
    await q.query('INSERT INTO character_likes (visitor_id, character_id) VALUES ($1, $2) ON CONFLICT DO NOTHING', [
      visitorId,
      characterId,
    ]);
  } else {
    await q.query('DELETE FROM character_likes WHERE visitor_id = $1 AND character_id = $2', [visitorId, characterId]);
  }
  return likeCount(q, characterId);
}

export async function likeCount(q: Queryable, characterId: string): Promise<number> {
  const r = await q.query<{ likes: number }>('SELECT likes FROM character_like_counts WHERE character_id = $1', [
    characterId,
  ]);
  return r.rows[0]?.likes ?? 0;
}

/** Ids of the characters a visitor liked, newest like first. */
export async function likedIds(q: Queryable, visitorId: string): Promise<string[]> {
  const r = await q.query<{ character_id: string }>(
    'SELECT character_id FROM character_likes WHERE visitor_id = $1 ORDER BY created_at DESC, character_id',
    [visitorId],
  );
  return r.rows.map((row) => row.character_id);
}

/** Stored raw captions (per post) and counts, for the re-parse, the template preview and the health check. */
import type { Queryable } from '../db/database.js';

/** How many characters there are, optionally of one channel. */
export async function countCharacters(q: Queryable, channelId?: string | null): Promise<number> {
  const r = channelId
    ? await q.query<{ n: number }>('SELECT count(*)::int AS n FROM characters WHERE channel_id = $1', [channelId])
    : await q.query<{ n: number }>('SELECT count(*)::int AS n FROM characters');
  return r.rows[0]!.n;
}

/** Up to `limit` raw captions of one channel, oldest first (a template preview's sample). */
export async function listChannelRawCaptions(q: Queryable, channelId: string, limit: number): Promise<string[]> {
  const r = await q.query<{ raw_caption: string }>(
    'SELECT raw_caption FROM characters WHERE channel_id = $1 ORDER BY id LIMIT $2',
    [channelId, limit],
  );
  return r.rows.map((x) => x.raw_caption);
}

/** Which posts a re-parse covers: one channel's, some characters', or all (trashed ones are left as deleted). */
export interface CaptionScope {
  channelId?: string | null;
  characterIds?: string[] | null;
}

export interface ArtworkCaptionRow {
  id: string;
  characterId: string;
  channelId: string | null;
  rawCaption: string;
  isCurrent: boolean;
}

function scopeFilter(s: CaptionScope, firstParam: number): { sql: string; params: unknown[] } {
  const params: unknown[] = [];
  let sql = "a.raw_caption <> '' AND c.deleted_at IS NULL AND a.deleted_at IS NULL";
  if (s.channelId) sql += ` AND a.channel_id = $${firstParam + params.push(s.channelId) - 1}`;
  if (s.characterIds) sql += ` AND a.character_id = ANY($${firstParam + params.push(s.characterIds) - 1}::bigint[])`;
  return { sql, params };
}

/** How many captioned posts a re-parse of this scope reads. */
export async function countArtworkCaptions(q: Queryable, s: CaptionScope): Promise<number> {
  const f = scopeFilter(s, 1);
  const r = await q.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM artworks a JOIN characters c ON c.id = a.character_id WHERE ${f.sql}`,
    f.params,
  );
  return r.rows[0]!.n;
}

/** The next `limit` captioned posts after artwork id `after` (keyset order). */
export async function listArtworkCaptionsAfter(
  q: Queryable,
  after: string,
  limit: number,
  s: CaptionScope,
): Promise<ArtworkCaptionRow[]> {
  const f = scopeFilter(s, 2);
  const r = await q.query(
    `SELECT a.id, a.character_id, a.channel_id, a.raw_caption, a.is_current FROM artworks a JOIN characters c ON c.id = a.character_id
      WHERE a.id > $1 AND ${f.sql} ORDER BY a.id LIMIT $${f.params.length + 2}`,
    [after, ...f.params, limit],
  );
  return r.rows.map((x) => ({
    id: String(x.id),
    characterId: String(x.character_id),
    channelId: x.channel_id == null ? null : String(x.channel_id),
    rawCaption: x.raw_caption,
    isCurrent: x.is_current,
  }));
}

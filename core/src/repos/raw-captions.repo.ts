/** The characters' stored raw captions and counts, for the re-parse, the template preview and the health check. */
import type { Queryable } from '../db/database.js';

/** How many characters there are, optionally of one channel. */
export async function countCharacters(q: Queryable, channelId?: string | null): Promise<number> {
  const r = channelId
    ? await q.query<{ n: number }>('SELECT count(*)::int AS n FROM characters WHERE channel_id = $1', [channelId])
    : await q.query<{ n: number }>('SELECT count(*)::int AS n FROM characters');
  return r.rows[0]!.n;
}

export interface RawCaptionRow {
  id: string;
  channelId: string | null;
  rawCaption: string;
}

/** The next `limit` characters after id `after` (keyset order), optionally of one channel. */
export async function listRawCaptionsAfter(q: Queryable, after: string, limit: number, channelId?: string | null): Promise<RawCaptionRow[]> {
  const r = channelId
    ? await q.query('SELECT id, channel_id, raw_caption FROM characters WHERE id > $1 AND channel_id = $2 ORDER BY id LIMIT $3', [after, channelId, limit])
    : await q.query('SELECT id, channel_id, raw_caption FROM characters WHERE id > $1 ORDER BY id LIMIT $2', [after, limit]);
  return r.rows.map((x) => ({ id: String(x.id), channelId: x.channel_id == null ? null : String(x.channel_id), rawCaption: x.raw_caption }));
}

/** Up to `limit` raw captions of one channel, oldest first (a template preview's sample). */
export async function listChannelRawCaptions(q: Queryable, channelId: string, limit: number): Promise<string[]> {
  const r = await q.query<{ raw_caption: string }>('SELECT raw_caption FROM characters WHERE channel_id = $1 ORDER BY id LIMIT $2', [channelId, limit]);
  return r.rows.map((x) => x.raw_caption);
}

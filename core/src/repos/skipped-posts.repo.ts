/** SQL for channel posts that sync read but did not store as characters, with the reason. */
import type { Queryable } from '../db/database.js';
import type { NonCharacterReason } from '../captions/character-post.js';
import { isoOrNull } from './rows.js';

export interface SkippedPost {
  channelId: string;
  messageId: number;
  reason: NonCharacterReason;
  caption: string;
  skippedAt: Date;
}

/** Remembers a skipped post (a re-read keeps one row with the latest reason and caption). */
export async function recordSkippedPost(
  q: Queryable,
  p: { channelId: string; messageId: number; reason: NonCharacterReason; caption: string },
): Promise<void> {
  await q.query(
    `INSERT INTO skipped_posts (channel_id, message_id, reason, caption) VALUES ($1, $2, $3, $4)
      ON CONFLICT (channel_id, message_id) DO UPDATE SET reason = EXCLUDED.reason, caption = EXCLUDED.caption, skipped_at = now()`,
    [p.channelId, p.messageId, p.reason, p.caption],
  );
}

/** The most recent skipped posts, newest first. */
export async function listSkippedPosts(q: Queryable, limit = 100): Promise<SkippedPost[]> {
  const r = await q.query<{
    channel_id: string;
    message_id: string;
    reason: NonCharacterReason;
    caption: string;
    skipped_at: Date;
  }>(
    `SELECT channel_id::text, message_id::text, reason, caption, skipped_at FROM skipped_posts
      ORDER BY skipped_at DESC, channel_id, message_id DESC LIMIT $1`,
    [limit],
  );
  return r.rows.map((row) => ({
    channelId: row.channel_id,
    messageId: Number(row.message_id),
    reason: row.reason,
    caption: row.caption,
    skippedAt: row.skipped_at,
  }));
}

/** A skipped post as the data-quality queue shows it, with its channel. */
export interface SkippedPostEntry {
  key: string;
  channelId: string;
  channelTitle: string | null;
  channelUsername: string | null;
  messageId: number;
  reason: NonCharacterReason;
  caption: string;
  skippedAt: string;
}

// A post an edit later turned into a character is in the gallery: it is no longer left out.
const stillLeftOut =
  'NOT EXISTS (SELECT 1 FROM artworks a WHERE a.channel_id = s.channel_id AND a.message_id = s.message_id AND NOT a.hidden)';

/** One page of skipped posts, newest first, with the total. Key: channel and message id. */
export async function findSkippedPosts(
  q: Queryable,
  p: { limit: number; offset: number },
): Promise<{ total: number; rows: SkippedPostEntry[] }> {
  // the total is counted apart: a page past the end still reports it
  const count = await q.query<{ n: number }>(`SELECT count(*)::int AS n FROM skipped_posts s WHERE ${stillLeftOut}`);
  const r = await q.query(
    `SELECT s.channel_id::text AS channel_id, s.message_id::text AS message_id, s.reason, s.caption, s.skipped_at,
        nullif(ch.title, '') AS title, nullif(ch.username, '') AS username
       FROM skipped_posts s JOIN channels ch ON ch.id = s.channel_id
      WHERE ${stillLeftOut}
      ORDER BY s.skipped_at DESC, s.channel_id, s.message_id DESC LIMIT $1 OFFSET $2`,
    [p.limit, p.offset],
  );
  return {
    total: count.rows[0]!.n,
    rows: r.rows.map((x) => ({
      key: `${x.channel_id}:${x.message_id}`,
      channelId: x.channel_id,
      channelTitle: x.title,
      channelUsername: x.username,
      messageId: Number(x.message_id),
      reason: x.reason,
      caption: x.caption,
      skippedAt: isoOrNull(x.skipped_at)!,
    })),
  };
}

/** Forgets a skipped post (the admin has seen it); false when there was none. */
export async function deleteSkippedPost(q: Queryable, channelId: string, messageId: number): Promise<boolean> {
  const r = await q.query('DELETE FROM skipped_posts WHERE channel_id = $1 AND message_id = $2', [
    channelId,
    messageId,
  ]);
  return (r.rowCount ?? 0) > 0;
}

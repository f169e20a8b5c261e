/** SQL for channel posts that sync read but did not store as characters, with the reason. */
import type { Queryable } from '../db/database.js';
import type { NonCharacterReason } from '../captions/character-post.js';

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
  const r = await q.query<{ channel_id: string; message_id: string; reason: NonCharacterReason; caption: string; skipped_at: Date }>(
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

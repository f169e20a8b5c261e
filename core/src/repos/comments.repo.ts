/** SQL for visitors' comments on characters: pending until the admin approves them. */
import type { Queryable } from '../db/database.js';
import { isoOrNull } from './rows.js';

export type CommentStatus = 'pending' | 'approved';

export interface CommentRow {
  id: string;
  characterId: string;
  characterName: string | null;
  username: string;
  body: string;
  status: CommentStatus;
  createdAt: string;
}

const SELECT = `cc.id, cc.character_id, c.name AS character_name, v.username, cc.body, cc.status, cc.created_at
  FROM character_comments cc JOIN visitors v ON v.id = cc.visitor_id JOIN characters c ON c.id = cc.character_id`;

const toComment = (r: any): CommentRow => ({
  id: r.id,
  characterId: r.character_id,
  characterName: r.character_name,
  username: r.username,
  body: r.body,
  status: r.status,
  createdAt: isoOrNull(r.created_at)!,
});

/** Stores a pending comment on a visible character; null when there is none of that id. */
export async function insertComment(
  q: Queryable,
  c: { characterId: string; visitorId: string; body: string },
): Promise<CommentRow | null> {
  const r = await q.query<{ id: string }>(
    `INSERT INTO character_comments (character_id, visitor_id, body)
     SELECT id, $2, $3 FROM characters WHERE id = $1 AND NOT hidden RETURNING id`,
    [c.characterId, c.visitorId, c.body],
  );
  return r.rows[0] ? findComment(q, r.rows[0].id) : null;
}

export async function findComment(q: Queryable, id: string): Promise<CommentRow | null> {
  const r = await q.query(`SELECT ${SELECT} WHERE cc.id = $1`, [id]);
  return r.rows[0] ? toComment(r.rows[0]) : null;
}

/** How many comments a visitor wrote since `since` (the rate limit lives in the database, so it holds across restarts and processes). */
export async function countCommentsSince(q: Queryable, visitorId: string, since: Date): Promise<number> {
  const r = await q.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM character_comments WHERE visitor_id = $1 AND created_at > $2',
    [visitorId, since],
  );
  return r.rows[0]!.n;
}

/** Approved comments of a character, oldest first. */
export async function listApprovedComments(q: Queryable, characterId: string, limit = 200): Promise<CommentRow[]> {
  const r = await q.query(
    `SELECT ${SELECT} WHERE cc.character_id = $1 AND cc.status = 'approved' ORDER BY cc.created_at, cc.id LIMIT $2`,
    [characterId, limit],
  );
  return r.rows.map(toComment);
}

/** The moderation queue (or the approved ones), newest first. */
export async function listCommentsByStatus(q: Queryable, status: CommentStatus, limit = 200): Promise<CommentRow[]> {
  const r = await q.query(`SELECT ${SELECT} WHERE cc.status = $1 ORDER BY cc.created_at DESC, cc.id DESC LIMIT $2`, [
    status,
    limit,
  ]);
  return r.rows.map(toComment);
}

export async function approveComment(q: Queryable, id: string): Promise<CommentRow | null> {
  const r = await q.query(
    `UPDATE character_comments SET status = 'approved', approved_at = coalesce(approved_at, now()) WHERE id = $1 RETURNING id`,
    [id],
  );
  return r.rows[0] ? findComment(q, id) : null;
}

export async function deleteComment(q: Queryable, id: string): Promise<boolean> {
  return ((await q.query('DELETE FROM character_comments WHERE id = $1', [id])).rowCount ?? 0) > 0;
}

/** SQL for visitor accounts, their sessions and the admin's invite links (ids of sessions/invites are SHA-256 hashes). */
import type { Queryable } from '../db/database.js';
import { isoOrNull } from './rows.js';

export interface Visitor {
  id: string;
  username: string;
  passwordHash: string;
}

export interface VisitorSessionRow {
  id: string;
  visitorId: string;
  username: string;
  csrfToken: string;
  expiresAt: Date;
}

export interface VisitorListRow {
  id: string;
  username: string;
  createdAt: string;
  caught: number;
  likes: number;
  comments: number;
}

export interface InviteRow {
  id: string;
  note: string;
  maxUses: number;
  uses: number;
  expiresAt: string | null;
  revokedAt: string | null;
  createdAt: string;
}

export async function findVisitorByUsername(q: Queryable, username: string): Promise<Visitor | null> {
  const r = await q.query('SELECT id, username, password_hash FROM visitors WHERE lower(username) = lower($1)', [
    username,
  ]);
  const row = r.rows[0];
  return row ? { id: row.id, username: row.username, passwordHash: row.password_hash } : null;
}

/** Inserts a visitor; null when the name is taken (also under a concurrent sign-up of the same name). */
export async function insertVisitor(
  q: Queryable,
  v: { username: string; passwordHash: string; inviteId: string | null },
): Promise<string | null> {
  const r = await q.query<{ id: string }>(
    `INSERT INTO visitors (username, password_hash, invite_id) VALUES ($1, $2, $3)
     ON CONFLICT ((lower(username))) DO NOTHING RETURNING id`,
    [v.username, v.passwordHash, v.inviteId],
  );
  return r.rows[0]?.id ?? null;
}

export async function listVisitors(q: Queryable): Promise<VisitorListRow[]> {
  const r = await q.query(
    `SELECT v.id, v.username, v.created_at,
            (SELECT count(*)::int FROM collection_items ci WHERE ci.visitor_id = v.id) AS caught,
            (SELECT count(*)::int FROM character_likes l WHERE l.visitor_id = v.id) AS likes,
            (SELECT count(*)::int FROM character_comments cc WHERE cc.visitor_id = v.id) AS comments
       FROM visitors v ORDER BY v.id`,
  );
  return r.rows.map((row) => ({
    id: row.id,
    username: row.username,
    createdAt: isoOrNull(row.created_at)!,
    caught: row.caught,
    likes: row.likes,
    comments: row.comments,
  }));
}

/** Deletes a visitor with everything of theirs (sessions, likes, collection, comments). */
export async function deleteVisitor(q: Queryable, id: string): Promise<boolean> {
  return ((await q.query('DELETE FROM visitors WHERE id = $1', [id])).rowCount ?? 0) > 0;
}

export async function insertVisitorSession(
  q: Queryable,
  s: { id: string; visitorId: string; csrfToken: string; expiresAt: Date },
): Promise<void> {
  await q.query('INSERT INTO visitor_sessions (id, visitor_id, csrf_token, expires_at) VALUES ($1, $2, $3, $4)', [
    s.id,
    s.visitorId,
    s.csrfToken,
    s.expiresAt,
  ]);
}

export async function findVisitorSession(q: Queryable, id: string): Promise<VisitorSessionRow | null> {
  const r = await q.query(
    'SELECT s.id, s.visitor_id, v.username, s.csrf_token, s.expires_at FROM visitor_sessions s JOIN visitors v ON v.id = s.visitor_id WHERE s.id = $1',
    [id],
  );
  const row = r.rows[0];
  return row
    ? {
        id: row.id,
        visitorId: row.visitor_id,
        username: row.username,
        csrfToken: row.csrf_token,
        expiresAt: new Date(row.expires_at),
      }
    : null;
}

export async function extendVisitorSession(q: Queryable, id: string, expiresAt: Date): Promise<void> {
  await q.query('UPDATE visitor_sessions SET expires_at = $2 WHERE id = $1', [id, expiresAt]);
}

export async function deleteVisitorSession(q: Queryable, id: string): Promise<void> {
  await q.query('DELETE FROM visitor_sessions WHERE id = $1', [id]);
}

export async function deleteExpiredVisitorSessions(q: Queryable): Promise<number> {
  return (await q.query('DELETE FROM visitor_sessions WHERE expires_at <= now()')).rowCount ?? 0;
}

const toInvite = (r: any): InviteRow => ({
  id: r.id,
  note: r.note,
  maxUses: r.max_uses,
  uses: r.uses,
  expiresAt: isoOrNull(r.expires_at),
  revokedAt: isoOrNull(r.revoked_at),
  createdAt: isoOrNull(r.created_at)!,
});

export async function insertInvite(
  q: Queryable,
  i: { tokenHash: string; note: string; maxUses: number; expiresAt: Date | null },
): Promise<InviteRow> {
  const r = await q.query(
    'INSERT INTO visitor_invites (token_hash, note, max_uses, expires_at) VALUES ($1, $2, $3, $4) RETURNING *',
    [i.tokenHash, i.note, i.maxUses, i.expiresAt],
  );
  return toInvite(r.rows[0]);
}

export async function listInvites(q: Queryable): Promise<InviteRow[]> {
  return (await q.query('SELECT * FROM visitor_invites ORDER BY id DESC LIMIT 200')).rows.map(toInvite);
}

/** Takes one use of a live invite (row-locked, so two sign-ups cannot both take its last use); returns its id or null. */
export async function consumeInvite(q: Queryable, tokenHash: string): Promise<string | null> {
  const r = await q.query<{ id: string }>(
    `UPDATE visitor_invites SET uses = uses + 1
      WHERE token_hash = $1 AND revoked_at IS NULL AND uses < max_uses AND (expires_at IS NULL OR expires_at > now())
      RETURNING id`,
    [tokenHash],
  );
  return r.rows[0]?.id ?? null;
}

export async function revokeInvite(q: Queryable, id: string): Promise<boolean> {
  return (
    ((await q.query('UPDATE visitor_invites SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1', [id]))
      .rowCount ?? 0) > 0
  );
}

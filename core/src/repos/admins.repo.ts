/** SQL for admins and their sessions (session ids are SHA-256 hashes of the cookie token). */
import type { Queryable } from '../db/database.js';

export interface Admin {
  id: string;
  username: string;
  passwordHash: string;
}

export interface SessionRow {
  id: string;
  adminId: string;
  username: string;
  csrfToken: string;
  expiresAt: Date;
}

export async function countAdmins(q: Queryable): Promise<number> {
  return (await q.query<{ n: number }>('SELECT count(*)::int AS n FROM admins')).rows[0]!.n;
}

export async function findAdminByUsername(q: Queryable, username: string): Promise<Admin | null> {
  const r = await q.query('SELECT id, username, password_hash FROM admins WHERE lower(username) = lower($1)', [
    username,
  ]);
  const row = r.rows[0];
  return row ? { id: row.id, username: row.username, passwordHash: row.password_hash } : null;
}

/**
 * Creates the admin or replaces its password (ending its sessions); returns its id. One statement, so two
 * processes doing it at once cannot both insert.
 */
export async function upsertAdmin(q: Queryable, username: string, passwordHash: string): Promise<string> {
  const r = await q.query<{ id: string }>(
    `INSERT INTO admins (username, password_hash) VALUES ($1, $2)
     ON CONFLICT ((lower(username))) DO UPDATE SET password_hash = EXCLUDED.password_hash RETURNING id`,
    [username, passwordHash],
  );
  const id = r.rows[0]!.id;
  await q.query('DELETE FROM sessions WHERE admin_id = $1', [id]);
  return id;
}

/** Creates the admin unless one of that name exists (another process may be creating it at the same moment); its id, or null. */
export async function insertAdminIfAbsent(
  q: Queryable,
  username: string,
  passwordHash: string,
): Promise<string | null> {
  const r = await q.query<{ id: string }>(
    'INSERT INTO admins (username, password_hash) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING id',
    [username, passwordHash],
  );
  return r.rows[0]?.id ?? null;
}

export async function insertSession(
  q: Queryable,
  s: { id: string; adminId: string; csrfToken: string; expiresAt: Date },
): Promise<void> {
  await q.query('INSERT INTO sessions (id, admin_id, csrf_token, expires_at) VALUES ($1, $2, $3, $4)', [
    s.id,
    s.adminId,
    s.csrfToken,
    s.expiresAt,
  ]);
}

export async function findSession(q: Queryable, id: string): Promise<SessionRow | null> {
  const r = await q.query(
    'SELECT s.id, s.admin_id, a.username, s.csrf_token, s.expires_at FROM sessions s JOIN admins a ON a.id = s.admin_id WHERE s.id = $1',
    [id],
  );
  const row = r.rows[0];
  return row
    ? {
        id: row.id,
        adminId: row.admin_id,
        username: row.username,
        csrfToken: row.csrf_token,
        expiresAt: new Date(row.expires_at),
      }
    : null;
}

export async function extendSession(q: Queryable, id: string, expiresAt: Date): Promise<void> {
  await q.query('UPDATE sessions SET expires_at = $2 WHERE id = $1', [id, expiresAt]);
}

export async function deleteSession(q: Queryable, id: string): Promise<void> {
  await q.query('DELETE FROM sessions WHERE id = $1', [id]);
}

export async function deleteExpiredSessions(q: Queryable): Promise<number> {
  return (await q.query('DELETE FROM sessions WHERE expires_at <= now()')).rowCount ?? 0;
}

/** Ends every session (all admins); returns how many there were. */
export async function deleteAllSessions(q: Queryable): Promise<number> {
  return (await q.query('DELETE FROM sessions')).rowCount ?? 0;
}

export interface ApiTokenRow {
  id: string;
  name: string;
  prefix: string;
  createdAt: string;
  lastUsedAt: string | null;
}

const iso = (v: unknown) => (v == null ? null : new Date(v as string).toISOString());
const toApiToken = (r: any): ApiTokenRow => ({
  id: r.id,
  name: r.name,
  prefix: r.prefix,
  createdAt: iso(r.created_at)!,
  lastUsedAt: iso(r.last_used_at),
});

export async function insertApiToken(
  q: Queryable,
  t: { name: string; tokenHash: string; prefix: string; createdBy: string | null },
): Promise<ApiTokenRow> {
  const r = await q.query(
    'INSERT INTO api_tokens (name, token_hash, prefix, created_by) VALUES ($1, $2, $3, $4) RETURNING *',
    [t.name, t.tokenHash, t.prefix, t.createdBy],
  );
  return toApiToken(r.rows[0]);
}

export async function listApiTokens(q: Queryable): Promise<ApiTokenRow[]> {
  return (await q.query('SELECT * FROM api_tokens ORDER BY id')).rows.map(toApiToken);
}

/** Looks a token up by hash and stamps its use (at most once a minute, to spare writes). */
export async function useApiToken(q: Queryable, tokenHash: string): Promise<ApiTokenRow | null> {
  const r = await q.query(
    `UPDATE api_tokens SET last_used_at = now()
     WHERE token_hash = $1 AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute') RETURNING *`,
    [tokenHash],
  );
  if (r.rows[0]) return toApiToken(r.rows[0]);
  const found = await q.query('SELECT * FROM api_tokens WHERE token_hash = $1', [tokenHash]);
  return found.rows[0] ? toApiToken(found.rows[0]) : null;
}

export async function deleteApiToken(q: Queryable, id: string): Promise<boolean> {
  return ((await q.query('DELETE FROM api_tokens WHERE id = $1', [id])).rowCount ?? 0) > 0;
}

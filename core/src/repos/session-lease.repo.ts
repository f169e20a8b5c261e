/** SQL for the Telegram session lease: at most one live connection per stored session. */
import type { Queryable } from '../db/database.js';
import { isoOrNull } from './rows.js';

export type SessionLeaseKind = 'worker' | 'sync';

export interface SessionLease {
  owner: string;
  kind: SessionLeaseKind;
  heartbeatAt: string;
}

/** A lease not renewed for this long belongs to a process that died. */
export const SESSION_LEASE_SECONDS = 90;

/** Takes the lease (free, stale, or already ours). Returns false when another live holder has it. */
export async function acquireSessionLease(
  q: Queryable,
  owner: string,
  kind: SessionLeaseKind,
  ttlSeconds = SESSION_LEASE_SECONDS,
): Promise<boolean> {
  const r = await q.query(
    `INSERT INTO telegram_session_lease (id, owner, kind) VALUES (true, $1, $2)
     ON CONFLICT (id) DO UPDATE SET owner = EXCLUDED.owner, kind = EXCLUDED.kind, heartbeat_at = now()
       WHERE telegram_session_lease.owner = EXCLUDED.owner
          OR telegram_session_lease.heartbeat_at < now() - make_interval(secs => $3)
     RETURNING owner`,
    [owner, kind, ttlSeconds],
  );
  return r.rows.length === 1;
}

/** Renews our lease; false when it was lost (taken over as stale). */
export async function renewSessionLease(q: Queryable, owner: string): Promise<boolean> {
  const r = await q.query('UPDATE telegram_session_lease SET heartbeat_at = now() WHERE owner = $1', [owner]);
  return (r.rowCount ?? 0) === 1;
}

export async function releaseSessionLease(q: Queryable, owner: string): Promise<void> {
  await q.query('DELETE FROM telegram_session_lease WHERE owner = $1', [owner]);
}

/** The current live holder, if any. */
export async function currentSessionLease(
  q: Queryable,
  ttlSeconds = SESSION_LEASE_SECONDS,
): Promise<SessionLease | null> {
  const r = await q.query(
    'SELECT * FROM telegram_session_lease WHERE heartbeat_at >= now() - make_interval(secs => $1)',
    [ttlSeconds],
  );
  const row = r.rows[0];
  return row ? { owner: row.owner, kind: row.kind, heartbeatAt: isoOrNull(row.heartbeat_at)! } : null;
}

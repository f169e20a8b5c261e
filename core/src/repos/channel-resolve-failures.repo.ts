/** SQL for remembered channel resolve failures (not retried before retry_at). */
import type { Queryable } from '../db/database.js';
import { isoOrNull } from './rows.js';

export interface ResolveFailure {
  ref: string;
  error: string;
  failedAt: string;
  retryAt: string;
}

export async function recordResolveFailure(
  q: Queryable,
  ref: string,
  error: string,
  retryAfterSeconds: number,
): Promise<void> {
  await q.query(
    `INSERT INTO channel_resolve_failures (ref, error, retry_at) VALUES (lower($1), $2, now() + make_interval(secs => $3))
     ON CONFLICT (ref) DO UPDATE SET error = EXCLUDED.error, failed_at = now(), retry_at = EXCLUDED.retry_at`,
    [ref, error.slice(0, 500), retryAfterSeconds],
  );
}

/** The remembered failure of a reference while it is not due for another try. */
export async function findPendingResolveFailure(q: Queryable, ref: string): Promise<ResolveFailure | null> {
  const r = await q.query('SELECT * FROM channel_resolve_failures WHERE ref = lower($1) AND retry_at > now()', [ref]);
  const row = r.rows[0];
  return row
    ? { ref: row.ref, error: row.error, failedAt: isoOrNull(row.failed_at)!, retryAt: isoOrNull(row.retry_at)! }
    : null;
}

export async function clearResolveFailure(q: Queryable, ref: string): Promise<void> {
  await q.query('DELETE FROM channel_resolve_failures WHERE ref = lower($1)', [ref]);
}

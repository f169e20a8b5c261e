/** SQL of the rate-limit counters that every server replica shares (fixed windows per key). */
import type { Queryable } from '../db/database.js';

/** Counts one hit of `key`; a window that ended starts over. Returns the hits so far and the window's end. */
export async function hitRateLimit(
  q: Queryable,
  key: string,
  windowMs: number,
): Promise<{ hits: number; resetAt: Date }> {
  const r = await q.query<{ hits: number; reset_at: Date }>(
    `INSERT INTO rate_limit_hits AS h (key, hits, reset_at) VALUES ($1, 1, now() + $2 * interval '1 millisecond')
     ON CONFLICT (key) DO UPDATE SET
       hits = CASE WHEN h.reset_at <= now() THEN 1 ELSE h.hits + 1 END,
       reset_at = CASE WHEN h.reset_at <= now() THEN EXCLUDED.reset_at ELSE h.reset_at END
     RETURNING hits, reset_at`,
    [key, windowMs],
  );
  const row = r.rows[0]!;
  return { hits: row.hits, resetAt: new Date(row.reset_at) };
}

/** Takes one hit back (a request that should not count). */
export async function undoRateLimitHit(q: Queryable, key: string): Promise<void> {
  await q.query('UPDATE rate_limit_hits SET hits = greatest(hits - 1, 0) WHERE key = $1', [key]);
}

/** Forgets a key's hits. */
export async function resetRateLimit(q: Queryable, key: string): Promise<void> {
  await q.query('DELETE FROM rate_limit_hits WHERE key = $1', [key]);
}

/** Deletes counters whose window ended; returns how many. */
export async function purgeExpiredRateLimits(q: Queryable): Promise<number> {
  const r = await q.query('DELETE FROM rate_limit_hits WHERE reset_at <= now()');
  return r.rowCount ?? 0;
}

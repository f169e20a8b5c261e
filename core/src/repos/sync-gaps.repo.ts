/**
 * SQL for sync gaps: messages a run skipped for a reason a later run may not have (a failing download,
 * a file left out of an export). Progress moves past a gap; the gap itself is kept and retried with
 * backoff until it is filled, found to hold nothing storable, or deleted.
 */
import type { Queryable } from '../db/database.js';
import { isoOrNull } from './rows.js';

export type GapReason =
  'download' | 'network' | 'flood_wait' | 'file_unavailable' | 'export_file_not_included' | 'export_file_unavailable';

export interface SyncGap {
  channelId: string;
  messageId: number;
  reason: GapReason;
  attempts: number;
  lastError: string | null;
  firstSeenAt: string;
  lastAttemptAt: string | null;
  nextAttemptAt: string;
}

function toGap(r: any): SyncGap {
  return {
    channelId: String(r.channel_id),
    messageId: Number(r.message_id),
    reason: r.reason,
    attempts: r.attempts,
    lastError: r.last_error,
    firstSeenAt: isoOrNull(r.first_seen_at)!,
    lastAttemptAt: isoOrNull(r.last_attempt_at),
    nextAttemptAt: isoOrNull(r.next_attempt_at)!,
  };
}

/**
 * A failed attempt at a message: the gap is created or its attempt count bumped, and it is due again
 * after the backoff (10 min after the first failure, doubling, at most a day). Returns the gap.
 */
export async function recordGapFailure(
  q: Queryable,
  g: { channelId: string; messageId: number; reason: GapReason; error: string },
): Promise<SyncGap> {
  const r = await q.query(
    `INSERT INTO sync_gaps (channel_id, message_id, reason, attempts, last_error, last_attempt_at, next_attempt_at)
     VALUES ($1, $2, $3, 1, $4, now(), now() + least(interval '1 day', interval '10 minutes'))
     ON CONFLICT (channel_id, message_id) DO UPDATE SET
       reason = EXCLUDED.reason,
       attempts = sync_gaps.attempts + 1,
       last_error = EXCLUDED.last_error,
       last_attempt_at = now(),
       next_attempt_at = now() + least(interval '1 day', interval '10 minutes' * power(2, sync_gaps.attempts))
     RETURNING *`,
    [g.channelId, g.messageId, g.reason, g.error.slice(0, 500)],
  );
  return toGap(r.rows[0]);
}

/** Gaps known before any attempt (an export that left files out): due at once; existing gaps are kept as they are. */
export async function addPendingGaps(
  q: Queryable,
  channelId: string,
  gaps: { messageId: number; reason: GapReason }[],
): Promise<number> {
  if (gaps.length === 0) return 0;
  const r = await q.query(
    `INSERT INTO sync_gaps (channel_id, message_id, reason)
     SELECT $1, m, r FROM unnest($2::bigint[], $3::text[]) AS t (m, r)
     ON CONFLICT (channel_id, message_id) DO NOTHING`,
    [channelId, gaps.map((g) => g.messageId), gaps.map((g) => g.reason)],
  );
  return r.rowCount ?? 0;
}

/** Gaps of a channel due for another attempt, oldest message first. */
export async function listDueGaps(q: Queryable, channelId: string, limit = 500): Promise<SyncGap[]> {
  const r = await q.query(
    'SELECT * FROM sync_gaps WHERE channel_id = $1 AND next_attempt_at <= now() ORDER BY message_id LIMIT $2',
    [channelId, limit],
  );
  return r.rows.map(toGap);
}

/** Every open gap of a channel, oldest message first. */
export async function listGaps(q: Queryable, channelId: string): Promise<SyncGap[]> {
  const r = await q.query('SELECT * FROM sync_gaps WHERE channel_id = $1 ORDER BY message_id', [channelId]);
  return r.rows.map(toGap);
}

/** Message ids with an open gap (the run closes them as it stores them). */
export async function listGapMessageIds(q: Queryable, channelId: string): Promise<Set<number>> {
  const r = await q.query('SELECT message_id FROM sync_gaps WHERE channel_id = $1', [channelId]);
  return new Set(r.rows.map((x: any) => Number(x.message_id)));
}

/** Closes gaps (stored, nothing storable, or deleted). Returns how many were open. */
export async function closeGaps(q: Queryable, channelId: string, messageIds: number[]): Promise<number> {
  if (messageIds.length === 0) return 0;
  const r = await q.query('DELETE FROM sync_gaps WHERE channel_id = $1 AND message_id = ANY($2::bigint[])', [
    channelId,
    messageIds,
  ]);
  return r.rowCount ?? 0;
}

export async function countGaps(q: Queryable, channelId: string): Promise<number> {
  const r = await q.query('SELECT count(*)::int AS n FROM sync_gaps WHERE channel_id = $1', [channelId]);
  return r.rows[0].n;
}

/** Makes a gap due at once (an admin's "retry now"); returns false when there is no such gap. */
export async function retryGapNow(q: Queryable, channelId: string, messageId: number): Promise<boolean> {
  const r = await q.query('UPDATE sync_gaps SET next_attempt_at = now() WHERE channel_id = $1 AND message_id = $2', [
    channelId,
    messageId,
  ]);
  return (r.rowCount ?? 0) > 0;
}

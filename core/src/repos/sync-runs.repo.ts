/** SQL for sync runs, per-channel sync locks and "sync now" requests from the admin panel. */
import type pg from 'pg';
import type { Db, Queryable } from '../db/database.js';
import { isoOrNull } from './rows.js';

/** Counts of a run, as published to the admin panel's live view. */
export interface SyncCounts {
  scanned: number;
  downloaded: number;
  new: number;
  updated: number;
  hidden: number;
  failed: number;
  skipped: Record<string, number>;
  /** Seconds slept because Telegram asked (FloodWait). */
  floodWaitSeconds: number;
  /** Set while sleeping for a FloodWait: when the wait ends (ISO). */
  waitingUntil?: string | null;
  /** Estimated messages left (null when unknown). */
  remaining?: number | null;
  lastMessageId?: number;
  /** Skipped-but-retryable messages: filled by this run, and still open when it ended. */
  gapsFilled?: number;
  gapsOpen?: number;
}

export function emptyCounts(): SyncCounts {
  return { scanned: 0, downloaded: 0, new: 0, updated: 0, hidden: 0, failed: 0, skipped: {}, floodWaitSeconds: 0 };
}

export interface SyncRunError {
  messageId: number | null;
  error: string;
  at: string;
}

export type SyncRunStatus = 'running' | 'ok' | 'failed' | 'cancelled';

export interface SyncRun {
  id: string;
  channelId: string | null;
  kind: string;
  status: SyncRunStatus;
  startedAt: string;
  finishedAt: string | null;
  heartbeatAt: string;
  counts: SyncCounts;
  errors: SyncRunError[];
  error: string | null;
}

function toRun(r: any): SyncRun {
  return {
    id: r.id,
    channelId: r.channel_id,
    kind: r.kind,
    status: r.status,
    startedAt: isoOrNull(r.started_at)!,
    finishedAt: isoOrNull(r.finished_at),
    heartbeatAt: isoOrNull(r.heartbeat_at)!,
    counts: { ...emptyCounts(), ...(r.counts ?? {}) },
    errors: r.errors ?? [],
    error: r.error,
  };
}

/** Starts a run row. Earlier 'running' rows of the channel are stale (the caller holds its lock): they become failed. */
export async function startRun(q: Queryable, channelId: string | null, kind: string): Promise<SyncRun> {
  if (channelId) {
    await q.query(
      `UPDATE sync_runs SET status = 'failed', finished_at = now(), error = coalesce(error, 'interrupted (process stopped)')
        WHERE channel_id = $1 AND status = 'running'`,
      [channelId],
    );
  }
  const r = await q.query('INSERT INTO sync_runs (channel_id, kind, counts) VALUES ($1, $2, $3) RETURNING *', [
    channelId,
    kind,
    JSON.stringify(emptyCounts()),
  ]);
  return toRun(r.rows[0]);
}

/** Publishes the current counts (and appends per-message errors). */
export async function updateRunProgress(
  q: Queryable,
  id: string,
  counts: SyncCounts,
  newErrors: SyncRunError[] = [],
): Promise<void> {
  await q.query(`UPDATE sync_runs SET counts = $2, errors = errors || $3::jsonb, heartbeat_at = now() WHERE id = $1`, [
    id,
    JSON.stringify(counts),
    JSON.stringify(newErrors),
  ]);
}

/** Ends a run. */
export async function finishRun(
  q: Queryable,
  id: string,
  status: Exclude<SyncRunStatus, 'running'>,
  counts: SyncCounts,
  error: string | null,
  newErrors: SyncRunError[] = [],
): Promise<void> {
  await q.query(
    `UPDATE sync_runs SET status = $2, counts = $3, error = $4, errors = errors || $5::jsonb, finished_at = now(), heartbeat_at = now()
      WHERE id = $1`,
    [id, status, JSON.stringify(counts), error, JSON.stringify(newErrors)],
  );
}

export async function findRunById(q: Queryable, id: string): Promise<SyncRun | null> {
  const r = await q.query('SELECT * FROM sync_runs WHERE id = $1', [id]);
  return r.rows[0] ? toRun(r.rows[0]) : null;
}

/** Overview for the admin panel: each channel with its latest run and its running run (if any). */
export interface ChannelSyncOverview {
  channel: {
    id: string;
    title: string;
    username: string | null;
    ref: string | null;
    source: string;
    enabled: boolean;
    lastMessageId: number;
    lastSyncedAt: string | null;
    lastError: string | null;
  };
  lastRun: SyncRun | null;
  running: SyncRun | null;
}

export async function listSyncOverview(q: Queryable): Promise<ChannelSyncOverview[]> {
  const r = await q.query(
    `SELECT c.id AS c_id, c.title, c.username, c.ref, c.source, c.enabled, c.last_message_id, c.last_synced_at, c.last_error,
            to_jsonb(l.*) AS last_run, to_jsonb(x.*) AS running
       FROM channels c
       LEFT JOIN LATERAL (SELECT * FROM sync_runs s WHERE s.channel_id = c.id ORDER BY s.started_at DESC, s.id DESC LIMIT 1) l ON true
       LEFT JOIN LATERAL (SELECT * FROM sync_runs s WHERE s.channel_id = c.id AND s.status = 'running'
                           ORDER BY s.started_at DESC, s.id DESC LIMIT 1) x ON true
      ORDER BY c.id`,
  );
  return r.rows.map((row) => ({
    channel: {
      id: row.c_id,
      title: row.title,
      username: row.username,
      ref: row.ref,
      source: row.source,
      enabled: row.enabled,
      lastMessageId: Number(row.last_message_id),
      lastSyncedAt: isoOrNull(row.last_synced_at),
      lastError: row.last_error,
    },
    lastRun: row.last_run
      ? toRun({ ...row.last_run, id: String(row.last_run.id), channel_id: String(row.last_run.channel_id) })
      : null,
    running: row.running
      ? toRun({ ...row.running, id: String(row.running.id), channel_id: String(row.running.channel_id) })
      : null,
  }));
}

// ---------------------------------------------------------------------------------------------------
// Per-channel lock

/** A held lock; release() is idempotent. */
export interface ChannelLock {
  release(): Promise<void>;
}

/** Namespace of the advisory lock keys (first int4 key), so other features can use other namespaces. */
const LOCK_NAMESPACE = 0x5741_4946; // "WAIF"

/**
 * Takes the sync lock of a channel or returns null when another sync holds it: pg_try_advisory_lock on a
 * dedicated connection held until release. A crashed or killed process drops its connection, and the
 * lock with it, so there is no lease to expire.
 */
export async function tryLockChannel(db: Db, channelId: string): Promise<ChannelLock | null> {
  const client: pg.PoolClient = await db.pool.connect();
  try {
    const r = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1::int4, $2::int4) AS ok', [
      LOCK_NAMESPACE,
      Number(channelId),
    ]);
    if (!r.rows[0]?.ok) {
      client.release();
      return null;
    }
  } catch (err) {
    client.release();
    throw err;
  }
  let released = false;
  return {
    async release() {
      if (released) return;
      released = true;
      try {
        await client.query('SELECT pg_advisory_unlock($1::int4, $2::int4)', [LOCK_NAMESPACE, Number(channelId)]);
        client.release();
      } catch (err) {
        client.release(err as Error); // drop the connection: that frees the lock too
      }
    },
  };
}

// ---------------------------------------------------------------------------------------------------
// "Sync now" requests

export interface SyncRequest {
  id: string;
  channelId: string | null;
  requestedBy: string | null;
  requestedAt: string;
  pickedAt: string | null;
  finishedAt: string | null;
  error: string | null;
}

function toRequest(r: any): SyncRequest {
  return {
    id: r.id,
    channelId: r.channel_id,
    requestedBy: r.requested_by,
    requestedAt: isoOrNull(r.requested_at)!,
    pickedAt: isoOrNull(r.picked_at),
    finishedAt: isoOrNull(r.finished_at),
    error: r.error,
  };
}

/** Queues a sync of one channel (or all with null). A still-pending identical request is reused. */
export async function requestSync(
  q: Queryable,
  channelId: string | null,
  requestedBy: string | null,
): Promise<SyncRequest> {
  const pending = await q.query(
    'SELECT * FROM sync_requests WHERE picked_at IS NULL AND channel_id IS NOT DISTINCT FROM $1 ORDER BY id LIMIT 1',
    [channelId],
  );
  if (pending.rows[0]) return toRequest(pending.rows[0]);
  const r = await q.query('INSERT INTO sync_requests (channel_id, requested_by) VALUES ($1, $2) RETURNING *', [
    channelId,
    requestedBy,
  ]);
  return toRequest(r.rows[0]);
}

/** Claims the pending requests (oldest first); each is claimed by exactly one worker. */
export async function claimSyncRequests(q: Queryable, limit = 20): Promise<SyncRequest[]> {
  const r = await q.query(
    `UPDATE sync_requests SET picked_at = now()
      WHERE id IN (SELECT id FROM sync_requests WHERE picked_at IS NULL ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED)
      RETURNING *`,
    [limit],
  );
  return r.rows.map(toRequest).sort((a, b) => Number(a.id) - Number(b.id));
}

export async function finishSyncRequest(q: Queryable, id: string, error: string | null): Promise<void> {
  await q.query('UPDATE sync_requests SET finished_at = now(), error = $2 WHERE id = $1', [id, error]);
}

export async function countPendingSyncRequests(q: Queryable): Promise<number> {
  const r = await q.query<{ n: number }>('SELECT count(*)::int AS n FROM sync_requests WHERE finished_at IS NULL');
  return r.rows[0]?.n ?? 0;
}

export async function findSyncRequestById(q: Queryable, id: string): Promise<SyncRequest | null> {
  const r = await q.query('SELECT * FROM sync_requests WHERE id = $1', [id]);
  return r.rows[0] ? toRequest(r.rows[0]) : null;
}

/** The latest runs of every channel, newest first, with the channel's title (the run history). */
export async function listRecentRuns(
  q: Queryable,
  limit = 20,
): Promise<Array<SyncRun & { channelTitle: string | null }>> {
  const r = await q.query(
    `SELECT s.*, c.title AS channel_title FROM sync_runs s LEFT JOIN channels c ON c.id = s.channel_id
      ORDER BY s.started_at DESC, s.id DESC LIMIT $1`,
    [limit],
  );
  return r.rows.map((row) => ({ ...toRun(row), channelTitle: row.channel_title ?? null }));
}

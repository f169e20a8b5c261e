/**
 * The admin sync panel's state, read from the database only (the sync worker runs in another process and
 * publishes into sync_runs): channels with their runs, run history, the schedule, and whether "sync now"
 * can work at all (a session and a channel are needed).
 */
import { Cron } from 'croner';
import type { z } from 'zod';
import type { Queryable } from '@waifudex/core/db/database';
import {
  countPendingSyncRequests,
  listRecentRuns,
  listSyncOverview,
  type SyncRun,
} from '@waifudex/core/repos/sync-runs.repo';
import { loadTelegramSessionRow } from '@waifudex/core/repos/telegram-session.repo';
import type { syncOverview } from '@waifudex/core/api/index';

export type SyncStatus = z.input<typeof syncOverview>;

export interface SyncStatusOptions {
  /** SYNC_CRON, or null when no scheduled sync runs (Telegram not configured). */
  cron?: string | null;
  now?: () => Date;
}

/** Seconds left at the pace so far (messages scanned per second since the start), or null when unknown. */
function etaSeconds(r: SyncRun, now: Date): number | null {
  const left = r.counts.remaining;
  if (r.status !== 'running' || left == null) return null;
  if (left === 0) return 0;
  const elapsed = (now.getTime() - Date.parse(r.startedAt)) / 1000 - r.counts.floodWaitSeconds;
  if (r.counts.scanned < 1 || elapsed <= 0) return null;
  return Math.ceil(left / (r.counts.scanned / elapsed));
}

function presentRun(r: SyncRun | null, now: Date) {
  if (!r) return null;
  return {
    id: r.id,
    kind: r.kind,
    status: r.status,
    started_at: r.startedAt,
    finished_at: r.finishedAt,
    heartbeat_at: r.heartbeatAt,
    counts: r.counts,
    errors: r.errors.slice(-20),
    error: r.error,
    eta_seconds: etaSeconds(r, now),
  };
}

function nextRun(cron: string | null | undefined, now: Date): string | null {
  if (!cron) return null;
  try {
    return new Cron(cron, { paused: true }).nextRun(now)?.toISOString() ?? null;
  } catch {
    return null;
  }
}

export async function loadSyncStatus(db: Queryable, o: SyncStatusOptions = {}): Promise<SyncStatus> {
  const now = o.now?.() ?? new Date();
  const [overview, pending, session, history] = await Promise.all([
    listSyncOverview(db),
    countPendingSyncRequests(db),
    loadTelegramSessionRow(db),
    listRecentRuns(db, 20),
  ]);
  const syncable = overview.filter((o) => o.channel.enabled && o.channel.source === 'telegram');
  const reason = !session
    ? 'No Telegram session yet: log in to Telegram first.'
    : session.status !== 'ok'
      ? `The Telegram session is ${session.status}: log in again.`
      : syncable.length === 0
        ? 'No Telegram channel to sync: add one under Channels.'
        : null;
  return {
    telegram_session: session
      ? {
          state: session.status,
          account: session.accountLabel,
          message: session.statusMessage,
          updated_at: session.updatedAt,
        }
      : {
          state: 'none',
          account: null,
          message: 'No Telegram session yet: run `npm run scraper -- login` first',
          updated_at: null,
        },
    pending_requests: pending,
    can_sync: { ok: reason === null, reason },
    schedule: o.cron ?? null,
    next_run_at: nextRun(o.cron, now),
    history: history.map((r) => ({ ...presentRun(r, now)!, channel_id: r.channelId, channel_title: r.channelTitle })),
    channels: overview.map((c) => ({
      id: c.channel.id,
      title: c.channel.title,
      username: c.channel.username,
      ref: c.channel.ref,
      source: c.channel.source,
      enabled: c.channel.enabled,
      last_message_id: c.channel.lastMessageId,
      last_synced_at: c.channel.lastSyncedAt,
      last_error: c.channel.lastError,
      last_run: presentRun(c.lastRun, now),
      running: presentRun(c.running, now),
    })),
  };
}

/**
 * The admin sync panel's state and its "sync now", read from and written to the database only (the sync
 * worker runs in another process: it publishes into sync_runs and claims the requests): channels with
 * their runs, the run history, the schedule, and whether "sync now" can work at all (a session and a
 * syncable channel are needed). server/src/presenters/sync.presenter.ts turns the state into the API's shape.
 */
import { Cron } from 'croner';
import type { Queryable } from '../db/database.js';
import { NotFoundError, UserError } from '../errors.js';
import { findChannelById } from '../repos/channels.repo.js';
import {
  countPendingSyncRequests,
  listRecentRuns,
  listSyncOverview,
  requestSync,
  type ChannelSyncOverview,
  type SyncRequest,
  type SyncRun,
} from '../repos/sync-runs.repo.js';
import { loadTelegramSessionRow } from '../repos/telegram-session.repo.js';

/** How many runs the history shows. */
const HISTORY_RUNS = 20;

/** A run with its time left (running runs whose remaining messages are known, else null). */
export type SyncRunView = SyncRun & { etaSeconds: number | null };

/** The sync panel's state. */
export interface SyncAdminStatus {
  /** The stored Telegram session; `none` before the first login. */
  session: { state: string; account: string | null; message: string | null; updatedAt: string | null };
  pendingRequests: number;
  /** Whether "sync now" can work; `reason` says why not. */
  canSync: { ok: boolean; reason: string | null };
  /** SYNC_CRON when a scheduled sync runs, and its next time. */
  schedule: string | null;
  nextRunAt: string | null;
  history: Array<SyncRunView & { channelTitle: string | null }>;
  channels: Array<{
    channel: ChannelSyncOverview['channel'];
    lastRun: SyncRunView | null;
    running: SyncRunView | null;
  }>;
}

/** The sync panel operations. */
export interface SyncAdminService {
  status(): Promise<SyncAdminStatus>;
  /** Queues a sync of one channel (or all) for the worker: 404 for an unknown channel, 409 when it cannot work. */
  requestSync(channelId: string | null, requestedBy: string | null): Promise<SyncRequest>;
}

export interface SyncAdminDeps {
  db: Queryable;
  /** SYNC_CRON, or null when no scheduled sync runs (Telegram not configured). */
  cron?: string | null | undefined;
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

function withEta<R extends SyncRun>(r: R, now: Date): R & { etaSeconds: number | null } {
  return { ...r, etaSeconds: etaSeconds(r, now) };
}

function nextRun(cron: string | null | undefined, now: Date): string | null {
  if (!cron) return null;
  try {
    return new Cron(cron, { paused: true }).nextRun(now)?.toISOString() ?? null;
  } catch {
    return null; // the config validated SYNC_CRON; a pattern croner cannot place just has no next run
  }
}

/** The sync panel service over `db`. */
export function createSyncAdminService(deps: SyncAdminDeps): SyncAdminService {
  const { db } = deps;
  const status = async (): Promise<SyncAdminStatus> => {
    const now = deps.now?.() ?? new Date();
    const [overview, pending, session, history] = await Promise.all([
      listSyncOverview(db),
      countPendingSyncRequests(db),
      loadTelegramSessionRow(db),
      listRecentRuns(db, HISTORY_RUNS),
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
      session: session
        ? {
            state: session.status,
            account: session.accountLabel,
            message: session.statusMessage,
            updatedAt: session.updatedAt,
          }
        : {
            state: 'none',
            account: null,
            message: 'No Telegram session yet: run `npm run scraper -- login` first',
            updatedAt: null,
          },
      pendingRequests: pending,
      canSync: { ok: reason === null, reason },
      schedule: deps.cron ?? null,
      nextRunAt: nextRun(deps.cron, now),
      history: history.map((r) => withEta(r, now)),
      channels: overview.map((c) => ({
        channel: c.channel,
        lastRun: c.lastRun && withEta(c.lastRun, now),
        running: c.running && withEta(c.running, now),
      })),
    };
  };
  return {
    status,
    async requestSync(channelId, requestedBy) {
      if (channelId && !(await findChannelById(db, channelId))) throw new NotFoundError(`no channel ${channelId}`);
      const s = await status();
      if (!s.canSync.ok) throw new UserError(s.canSync.reason!, { status: 409, code: 'cannot_sync' });
      return requestSync(db, channelId, requestedBy);
    },
  };
}

/**
 * The sync worker: syncs every channel on SYNC_CRON (croner), picks up "sync now" requests from the
 * admin panel (sync_requests, polled: LISTEN/NOTIFY is not available over PGlite), and with LIVE=1
 * subscribes to new/edited/deleted messages. An expired or missing session is reported once and the
 * worker keeps running (so does the web app); a new `login` is picked up without a restart.
 */
import { Cron } from 'croner';
import type { Db } from '@waifudex/core/db/database';
import type { Logger } from '@waifudex/core/logger';
import type { IngestService } from '@waifudex/core/services/ingest.service';
import type { SyncApplyService } from '@waifudex/core/services/sync-apply.service';
import { SESSION_EXPIRED_MESSAGE } from '@waifudex/core/services/telegram-session.service';
import { claimSyncRequests, finishSyncRequest } from '@waifudex/core/repos/sync-runs.repo';
import {
  FatalSourceError,
  SessionExpiredError,
  TelegramUnreachableError,
  type MessageSource,
} from '../telegram/source.js';
import type { ProgressSink } from '../progress/progress.js';
import { defaultOwner } from './channel-run.js';
import { liveHandlers, resolveTargets, syncTargets, type ChannelTarget, type SyncSettings } from './telegram-sync.js';
import type { Sleep } from './retry.js';
import { UserError } from '@waifudex/core/errors';

export interface WorkerDeps {
  db: Db;
  ingest: IngestService;
  apply: SyncApplyService;
  logger: Logger;
  /** Connects to Telegram (throws SessionExpiredError / FatalSourceError when it cannot). */
  connect: () => Promise<MessageSource>;
  /** Marks the stored session expired (shown in the admin panel). */
  markSessionExpired?: () => Promise<void>;
  /** A value that changes when someone logs in again (e.g. the session row's updated_at). */
  sessionVersion?: () => Promise<string | null>;
  progress?: ProgressSink;
  sleep?: Sleep;
  heartbeat?: () => void; // after each successful poll: the liveness file of sync/heartbeat.ts
}

export interface WorkerSettings extends Omit<SyncSettings, 'signal'> {
  cron: string | null;
  live: boolean;
  channels: string[];
  /** How often sync_requests is polled (default 3 s). */
  pollMs?: number;
  /** Sync everything once at start (default true). */
  syncOnStart?: boolean;
  /** Debounce of live "new message" syncs (default 2 s). */
  liveDebounceMs?: number;
}

export interface SyncWorker {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Resolves when the queue is empty (tests). */
  idle(): Promise<void>;
  /** Queues a sync of one channel (id) or all (null). */
  enqueue(channelId: string | null, requestId?: string): void;
}

interface Job {
  channelId: string | null;
  requestIds: string[];
}

export function createSyncWorker(deps: WorkerDeps, s: WorkerSettings): SyncWorker {
  const log = deps.logger.child({ component: 'sync-worker' });
  const abort = new AbortController();
  const owner = defaultOwner();
  const queue: Job[] = [];
  let running: Promise<void> | null = null;
  let source: MessageSource | null = null;
  let unsubscribe: (() => Promise<void>) | null = null;
  /** Live edits of posts that were not stored yet: applied after each sync. */
  let applyPendingEdits: (() => Promise<void>) | null = null;
  let cron: Cron | null = null;
  let poll: NodeJS.Timeout | null = null;
  let blockedVersion: string | null | undefined; // session version that failed; undefined = not blocked
  let lastProblem = '';
  const liveTimers = new Map<string, NodeJS.Timeout>();
  let idleWaiters: (() => void)[] = [];

  const reportOnce = (msg: string) => {
    if (msg === lastProblem) return;
    lastProblem = msg;
    log.error(msg);
  };

  const enqueue = (channelId: string | null, requestId?: string) => {
    if (abort.signal.aborted) return;
    const same = queue.find((j) => j.channelId === channelId || j.channelId === null);
    if (same) {
      if (requestId) same.requestIds.push(requestId);
    } else {
      queue.push({ channelId, requestIds: requestId ? [requestId] : [] });
    }
    pump();
  };

  const pump = () => {
    if (running) return;
    const job = queue.shift();
    if (!job) {
      const w = idleWaiters;
      idleWaiters = [];
      w.forEach((f) => f());
      return;
    }
    running = runJob(job)
      .catch((err) => log.error({ err: (err as Error).message }, 'sync job failed'))
      .finally(() => {
        running = null;
        pump();
      });
  };

  async function ensureSource(): Promise<MessageSource | null> {
    if (source) return source;
    const version = (await deps.sessionVersion?.()) ?? null;
    if (blockedVersion !== undefined && blockedVersion === version) return null; // still the rejected session
    try {
      source = await deps.connect();
      blockedVersion = undefined;
      lastProblem = '';
      return source;
    } catch (err) {
      blockedVersion = version;
      if (err instanceof SessionExpiredError) {
        // catch: the stored flag only informs the admin page; the expiry is reported below either way
        await deps.markSessionExpired?.().catch(() => undefined);
        reportOnce(SESSION_EXPIRED_MESSAGE);
      } else if (err instanceof FatalSourceError && !(err instanceof TelegramUnreachableError)) {
        reportOnce((err as Error).message);
      } else {
        blockedVersion = undefined; // network trouble: try again next time
        const msg = (err as Error).message;
        reportOnce(
          err instanceof TelegramUnreachableError || err instanceof UserError ? msg : `cannot reach Telegram: ${msg}`,
        );
      }
      return null;
    }
  }

  async function dropSource() {
    // catch: dropping a connection that failed: there is nothing left to save
    await unsubscribe?.().catch(() => undefined);
    unsubscribe = null;
    // catch: dropping a connection that failed: there is nothing left to save
    await source?.close?.().catch(() => undefined);
    source = null;
  }

  async function runJob(job: Job): Promise<void> {
    let error: string | null = null;
    try {
      const src = await ensureSource();
      if (!src) {
        error = lastProblem || 'Telegram is not available';
        return;
      }
      const { targets } = await resolveTargets(
        { db: deps.db, source: src, logger: log, ...(deps.sleep ? { sleep: deps.sleep } : {}) },
        s.channels,
      );
      const chosen = job.channelId ? targets.filter((t) => t.channel.id === job.channelId) : targets;
      if (job.channelId && chosen.length === 0) error = `channel ${job.channelId} is not a syncable Telegram channel`;
      if (s.live && !unsubscribe && src.subscribe) await subscribeLive(src, targets);
      const results = await syncTargets({ ...deps, source: src, owner }, chosen, { ...s, signal: abort.signal });
      await applyPendingEdits?.().catch((err) => log.warn({ err: (err as Error).message }, 'cannot apply live edits'));
      const failed = results.filter((r) => r.status === 'failed');
      if (failed.length) error = failed.map((r) => r.error).join('; ');
    } catch (err) {
      if (err instanceof SessionExpiredError) {
        // catch: the stored flag only informs the admin page; the expiry is reported below either way
        await deps.markSessionExpired?.().catch(() => undefined);
        blockedVersion = (await deps.sessionVersion?.()) ?? null;
        reportOnce(SESSION_EXPIRED_MESSAGE);
        error = SESSION_EXPIRED_MESSAGE;
        await dropSource();
      } else {
        error = (err as Error).message;
        log.error({ err: error }, 'sync failed');
      }
    } finally {
      // a client that timed out or disconnected never recovers: the next job builds a new one
      if (source && source.isAlive?.() === false) {
        log.warn('Telegram connection is dead; reconnecting on the next job');
        await dropSource();
      }
      // catch: the run is over; an unfinished request row must not stop the worker loop
      for (const id of job.requestIds) await finishSyncRequest(deps.db, id, error).catch(() => undefined);
    }
  }

  async function subscribeLive(src: MessageSource, targets: ChannelTarget[]) {
    const syncSoon = (channelId: string) => {
      clearTimeout(liveTimers.get(channelId));
      liveTimers.set(
        channelId,
        setTimeout(() => {
          liveTimers.delete(channelId);
          enqueue(channelId);
        }, s.liveDebounceMs ?? 2000),
      );
    };
    const live = liveHandlers({ ...deps, source: src, owner }, targets, syncSoon);
    applyPendingEdits = live.applyPending;
    const handlers = {
      ...live,
      // GramJS has no channel gap recovery: whatever was posted while disconnected comes with a normal sync
      onReconnect: () => enqueue(null),
    };
    unsubscribe = await src.subscribe!(
      targets.map((t) => t.resolved),
      handlers,
    );
    log.info({ channels: targets.length }, 'live updates on');
  }

  async function pollRequests() {
    try {
      for (const r of await claimSyncRequests(deps.db)) enqueue(r.channelId, r.id);
      deps.heartbeat?.();
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'cannot read sync requests');
    }
  }

  return {
    enqueue,
    async start() {
      if (s.cron) {
        cron = new Cron(s.cron, { protect: true }, () => enqueue(null));
        log.info({ cron: s.cron, next: cron.nextRun()?.toISOString() }, 'sync schedule');
      }
      poll = setInterval(() => void pollRequests(), s.pollMs ?? 3000);
      await pollRequests();
      if (s.syncOnStart ?? true) enqueue(null);
    },
    async stop() {
      abort.abort();
      cron?.stop();
      if (poll) clearInterval(poll);
      for (const t of liveTimers.values()) clearTimeout(t);
      queue.length = 0;
      await running;
      await dropSource();
    },
    idle() {
      if (!running && queue.length === 0) return Promise.resolve();
      return new Promise((resolve) => idleWaiters.push(resolve));
    },
  };
}

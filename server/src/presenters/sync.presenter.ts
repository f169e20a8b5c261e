/** The admin sync panel's state and "sync now" answers, as the API speaks them (snake_case). */
import type { z } from 'zod';
import type { SyncRequest } from '@waifudex/core/repos/sync-runs.repo';
import type { SyncAdminStatus, SyncRunView } from '@waifudex/core/services/sync-admin.service';
import type { syncOverview, syncRequested } from '@waifudex/core/api/index';

export type SyncStatus = z.input<typeof syncOverview>;

/** How many of a run's per-message errors the panel shows (the latest). */
const RUN_ERRORS = 20;

function presentRun(r: SyncRunView) {
  return {
    id: r.id,
    kind: r.kind,
    status: r.status,
    started_at: r.startedAt,
    finished_at: r.finishedAt,
    heartbeat_at: r.heartbeatAt,
    counts: r.counts,
    errors: r.errors.slice(-RUN_ERRORS),
    error: r.error,
    eta_seconds: r.etaSeconds,
  };
}

export function presentSyncStatus(s: SyncAdminStatus): SyncStatus {
  return {
    telegram_session: {
      state: s.session.state,
      account: s.session.account,
      message: s.session.message,
      updated_at: s.session.updatedAt,
    },
    pending_requests: s.pendingRequests,
    can_sync: { ok: s.canSync.ok, reason: s.canSync.reason },
    schedule: s.schedule,
    next_run_at: s.nextRunAt,
    history: s.history.map((r) => ({ ...presentRun(r), channel_id: r.channelId, channel_title: r.channelTitle })),
    channels: s.channels.map(({ channel: c, lastRun, running }) => ({
      id: c.id,
      title: c.title,
      username: c.username,
      ref: c.ref,
      source: c.source,
      enabled: c.enabled,
      last_message_id: c.lastMessageId,
      last_synced_at: c.lastSyncedAt,
      last_error: c.lastError,
      last_run: lastRun && presentRun(lastRun),
      running: running && presentRun(running),
    })),
  };
}

export function presentSyncRequested(r: SyncRequest): z.infer<typeof syncRequested> {
  return { request: { id: r.id, channel_id: r.channelId, requested_at: r.requestedAt } };
}

/** Admin sync panel: channels with their last and running sync run, and "sync now" requests for the worker. */
import { Router, type RequestHandler } from 'express';
import type { Db } from '@waifudex/core/db/database';
import { NotFoundError } from '@waifudex/core/errors';
import { findChannelById } from '@waifudex/core/repos/channels.repo';
import { countPendingSyncRequests, listSyncOverview, requestSync, type SyncRun } from '@waifudex/core/repos/sync-runs.repo';
import { loadTelegramSessionRow } from '@waifudex/core/repos/telegram-session.repo';
import { syncRequestBody, type syncOverview, type syncRequested } from '@waifudex/core/api/index';
import type { z } from 'zod';
import { parseOr400 } from '../middleware/validate.js';

function presentRun(r: SyncRun | null) {
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
  };
}

export function syncRoutes(deps: { db: Db; requireAdmin: RequestHandler }): Router {
  const r = Router();
  r.get('/api/v1/admin/sync', deps.requireAdmin, async (_req, res) => {
    const [overview, pending, session] = await Promise.all([listSyncOverview(deps.db), countPendingSyncRequests(deps.db), loadTelegramSessionRow(deps.db)]);
    res.json({
      telegram_session: session
        ? { state: session.status, account: session.accountLabel, message: session.statusMessage, updated_at: session.updatedAt }
        : { state: 'none', account: null, message: 'No Telegram session yet: run `npm run scraper -- login` first', updated_at: null },
      pending_requests: pending,
      channels: overview.map((o) => ({
        id: o.channel.id,
        title: o.channel.title,
        username: o.channel.username,
        ref: o.channel.ref,
        source: o.channel.source,
        enabled: o.channel.enabled,
        last_message_id: o.channel.lastMessageId,
        last_synced_at: o.channel.lastSyncedAt,
        last_error: o.channel.lastError,
        last_run: presentRun(o.lastRun),
        running: presentRun(o.running),
      })),
    } satisfies z.input<typeof syncOverview>);
  });
  r.post('/api/v1/admin/sync', deps.requireAdmin, async (req, res) => {
    const body = parseOr400(syncRequestBody, req.body ?? {}, 'body');
    const channelId = body.channel_id ?? null;
    if (channelId && !(await findChannelById(deps.db, channelId))) throw new NotFoundError(`no channel ${channelId}`);
    const request = await requestSync(deps.db, channelId, req.admin?.username ?? null);
    res.status(202).json({ request: { id: request.id, channel_id: request.channelId, requested_at: request.requestedAt } } satisfies z.infer<typeof syncRequested>);
  });
  return r;
}

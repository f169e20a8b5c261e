/**
 * Admin sync panel: channels with their runs, run history and schedule, live progress (Server-Sent
 * Events), and "sync now" requests for the worker (refused, with the reason, when it cannot work).
 */
import { Router, type RequestHandler } from 'express';
import type { Db } from '@waifudex/core/db/database';
import type { Logger } from '@waifudex/core/logger';
import { createSyncAdminService } from '@waifudex/core/services/sync-admin.service';
import { syncRequestBody } from '@waifudex/core/api/index';
import { createLogger } from '@waifudex/core/logger';
import { parseOr400 } from '../middleware/validate.js';
import { presentSyncRequested, presentSyncStatus } from '../presenters/sync.presenter.js';
import { createSyncEventHub, type SyncEventHub } from '../sync-events.js';

export interface SyncRoutesDeps {
  db: Db;
  requireAdmin: RequestHandler;
  /** SYNC_CRON when a scheduled sync runs (Telegram configured), for "next run". */
  cron?: string | null;
  logger?: Logger;
  /** Live updates (default: one over this db). */
  hub?: SyncEventHub;
  /** Keep-alive comment period of the event stream (default 15 s, under proxies' idle timeouts). */
  pingMs?: number;
}

export function syncRoutes(deps: SyncRoutesDeps): Router {
  const r = Router();
  const sync = createSyncAdminService({ db: deps.db, cron: deps.cron });
  const load = async () => presentSyncStatus(await sync.status());
  const hub = deps.hub ?? createSyncEventHub({ db: deps.db, logger: deps.logger ?? createLogger('silent'), load });

  r.get('/api/v1/admin/sync', deps.requireAdmin, async (_req, res) => {
    res.json(await load());
  });

  r.get('/api/v1/admin/sync/events', deps.requireAdmin, (req, res) => {
    // no-transform: the compression middleware would buffer the stream
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      'x-accel-buffering': 'no',
    });
    res.write('retry: 3000\n\n');
    const unsubscribe = hub.subscribe((json) => res.write(`event: status\ndata: ${json}\n\n`));
    const ping = setInterval(() => res.write(': ping\n\n'), deps.pingMs ?? 15_000);
    req.on('close', () => {
      clearInterval(ping);
      unsubscribe();
    });
  });

  r.post('/api/v1/admin/sync', deps.requireAdmin, async (req, res) => {
    const body = parseOr400(syncRequestBody, req.body ?? {}, 'body');
    const request = await sync.requestSync(body.channel_id ?? null, req.admin?.username ?? null);
    res.status(202).json(presentSyncRequested(request));
  });
  return r;
}

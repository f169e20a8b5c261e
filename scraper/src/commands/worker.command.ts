/**
 * `npm run scraper -- worker`: runs until SIGINT/SIGTERM. Syncs on SYNC_CRON, picks up "sync now"
 * requests from the admin panel, and with LIVE=1 follows new/edited/deleted messages in real time.
 * Telegram not configured, no session or an expired one: reported once, the worker keeps waiting
 * (a later `login` is picked up without a restart).
 */
import path from 'node:path';
import type { CommandContext } from '../context.js';
import { normalizeForSearch } from '@waifudex/core/captions/parse-caption';
import { createSyncApplyService } from '@waifudex/core/services/sync-apply.service';
import { createProgress } from '../progress/progress.js';
import { parseCommandLine } from '../cli/parse.js';
import { openTelegramSource, sessionStoreFor } from '../sync/telegram-connect.js';
import { createSyncWorker } from '../sync/worker.js';
import { createHeartbeat, HEARTBEAT_FILE } from '../sync/heartbeat.js';
import { defaultOwner } from '../sync/channel-run.js';

export default async function worker(args: string[], ctx: CommandContext): Promise<void> {
  const { opts } = parseCommandLine('worker', args);
  const { config, db, logger, ingest } = ctx;
  const store = sessionStoreFor(config, db);
  const leaseOwner = defaultOwner();
  const apply = createSyncApplyService({
    db,
    parse: (c, ch, e) => ingest.parse(c, ch, e),
    normalize: normalizeForSearch,
  });
  const w = createSyncWorker(
    {
      db,
      ingest,
      apply,
      logger,
      progress: createProgress({ stream: ctx.progress, logger }),
      connect: () => openTelegramSource(config, db, logger, { lease: { owner: leaseOwner, kind: 'worker' } }),
      markSessionExpired: () => store.markExpired(),
      sessionVersion: async () => (await store.status()).updatedAt,
      heartbeat: createHeartbeat(path.join(config.dataDir, HEARTBEAT_FILE)),
    },
    {
      cron: config.sync.cron,
      live: config.sync.live,
      channels: config.telegram.channels,
      batchSize: config.sync.batchSize,
      concurrency: config.sync.concurrency,
      recheckDays: config.sync.recheckDays,
      syncOnStart: opts.initialSync,
    },
  );
  // GramJS dispatches updates in promises nobody awaits: one failure there must not end the worker
  // (the server would restart it in a loop, and the crashed run's lock lease would skip the channel)
  const onRejection = (err: unknown) =>
    logger.error(
      { err: err instanceof Error ? err.message : String(err) },
      'unhandled rejection in the Telegram client (ignored)',
    );
  process.on('unhandledRejection', onRejection);
  await w.start();
  logger.info({ live: config.sync.live }, 'sync worker running');
  await new Promise<void>((resolve) => {
    const stop = (sig: string) => {
      logger.info(`${sig}: stopping the sync worker`);
      resolve();
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
    // the server's child process: stop when the parent goes away
    if (process.send) process.once('disconnect', () => stop('parent exited'));
  });
  await w.stop();
  process.off('unhandledRejection', onRejection);
}

/**
 * `npm run scraper -- sync [--channel REF|ID] [--dry-run] [--limit N]`: syncs the configured channels
 * once and exits (cron/systemd timers). Exit code 1 when a channel failed or the session is expired.
 * While the sync worker is connected with the same session, the sync is queued in the worker (as the
 * admin panel's "sync now" is) and the command waits for it.
 */
import type { CommandContext } from '../context.js';
import { normalizeForSearch } from '@waifudex/core/captions/parse-caption';
import { createSyncApplyService } from '@waifudex/core/services/sync-apply.service';
import { createProgress } from '../progress/progress.js';
import { abortOnSignals } from '../sync/cli-args.js';
import { parseCommandLine } from '../cli/parse.js';
import { openTelegramSource, SessionInUseError, sessionStoreFor } from '../sync/telegram-connect.js';
import { defaultOwner } from '../sync/channel-run.js';
import { findChannelByPeerId, findChannelByRef, findChannelByUsername } from '@waifudex/core/repos/channels.repo';
import { findSyncRequestById, requestSync } from '@waifudex/core/repos/sync-runs.repo';
import { parseChannelRef } from '@waifudex/core/telegram/channel-ref';
import { dryRunChannel, resolveTargets, syncTargets } from '../sync/telegram-sync.js';
import { SessionExpiredError } from '../telegram/source.js';
import { UserError } from '@waifudex/core/errors';

export default async function sync(args: string[], ctx: CommandContext): Promise<void> {
  const { opts } = parseCommandLine('sync', args);
  const { config, db, logger, ingest } = ctx;
  const dryRun = Boolean(opts.dryRun);
  const only = opts.channel ?? null;
  const ac = abortOnSignals(logger);
  let source;
  try {
    source = await openTelegramSource(config, db, logger, { lease: { owner: defaultOwner(), kind: 'sync' } });
  } catch (err) {
    if (err instanceof SessionExpiredError)
      // catch: the stored flag only informs the admin page; the error is reported either way
      await sessionStoreFor(config, db)
        .markExpired()
        .catch(() => undefined);
    // a second connection with the same session would get it revoked: let the running worker do it
    if (err instanceof SessionInUseError && err.holder?.kind === 'worker') {
      if (!dryRun) return queueInWorker(ctx, only, ac.signal);
      throw new UserError(`${err.message}: a dry run needs its own connection, so stop the worker first`);
    }
    throw err;
  }
  try {
    const refs = config.telegram.channels;
    const { targets, errors } = await resolveTargets({ db, source, logger }, refs, only, { remember: !dryRun });
    if (targets.length === 0) {
      throw new UserError(
        only
          ? `no syncable channel matches ${only}`
          : 'no channels to sync: set TELEGRAM_CHANNELS or add channels in the admin panel',
      );
    }
    if (dryRun) {
      for (const t of targets) {
        await dryRunChannel(
          { source, ingest },
          t,
          { batchSize: config.sync.batchSize, ...(opts.limit ? { limit: opts.limit } : {}) },
          process.stdout,
        );
      }
      return;
    }
    const apply = createSyncApplyService({
      db,
      parse: (c, ch, e) => ingest.parse(c, ch, e),
      normalize: normalizeForSearch,
    });
    const progress = createProgress({ stream: ctx.progress, logger });
    const results = await syncTargets({ db, ingest, apply, logger, progress, source }, targets, {
      batchSize: config.sync.batchSize,
      concurrency: config.sync.concurrency,
      recheckDays: config.sync.recheckDays,
      signal: ac.signal,
    });
    const failed = results.filter((r) => r.status === 'failed');
    if (failed.length || errors.length) process.exitCode = 1;
  } catch (err) {
    if (err instanceof SessionExpiredError) {
      // catch: the stored flag only informs the admin page; the error is reported either way
      await sessionStoreFor(config, db)
        .markExpired()
        .catch(() => undefined);
    }
    throw err;
  } finally {
    await source.close?.();
  }
}

/** Queues the sync in the running worker and waits for it (Ctrl-C stops waiting; the sync goes on). */
async function queueInWorker(ctx: CommandContext, only: string | null, signal: AbortSignal): Promise<void> {
  const { db, logger } = ctx;
  let channelId: string | null = null;
  if (only) {
    const ref = (() => {
      try {
        return parseChannelRef(only);
      } catch {
        return null;
      }
    })();
    const row =
      (await findChannelByRef(db, only)) ??
      (ref?.kind === 'id'
        ? await findChannelByPeerId(db, ref.peerId)
        : ref?.kind === 'username'
          ? await findChannelByUsername(db, ref.username)
          : null);
    if (!row) {
      throw new UserError(
        `the sync worker is using the Telegram session and ${only} is not a known channel yet: add it to TELEGRAM_CHANNELS or the admin panel`,
      );
    }
    channelId = row.id;
  }
  const req = await requestSync(db, channelId, 'cli');
  logger.info(
    { request: req.id },
    'the sync worker is connected with the Telegram session: queued the sync there; waiting (Ctrl-C stops waiting, the sync goes on)',
  );
  for (;;) {
    const r = await findSyncRequestById(db, req.id);
    if (r?.finishedAt) {
      if (r.error) throw new UserError(`the worker's sync failed: ${r.error}`);
      logger.info({ request: req.id }, 'the worker finished the sync');
      return;
    }
    if (signal.aborted) return;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

/**
 * `npm run scraper -- sync [--channel REF|ID] [--dry-run] [--limit N]`: syncs the configured channels
 * once and exits (cron/systemd timers). Exit code 1 when a channel failed or the session is expired.
 */
import type { CommandContext } from '../context.js';
import { normalizeForSearch } from '@waifudex/core/captions/parse-caption';
import { createSyncApplyService } from '@waifudex/core/services/sync-apply.service';
import { createProgress } from '../progress/progress.js';
import { abortOnSignals, parseFlags } from '../sync/cli-args.js';
import { openTelegramSource, sessionStoreFor } from '../sync/telegram-connect.js';
import { dryRunChannel, resolveTargets, syncTargets } from '../sync/telegram-sync.js';
import { SessionExpiredError } from '../telegram/source.js';

const USAGE = 'npm run scraper -- sync [--channel @name|t.me link|id] [--dry-run] [--limit N]';

export default async function sync(args: string[], ctx: CommandContext): Promise<void> {
  const { values } = parseFlags(args, { channel: { type: 'string' }, 'dry-run': { type: 'boolean' }, limit: { type: 'string' } }, USAGE);
  const { config, db, logger, ingest } = ctx;
  const dryRun = Boolean(values['dry-run']);
  const only = typeof values.channel === 'string' ? values.channel : null;
  const ac = abortOnSignals(logger);
  let source;
  try {
    source = await openTelegramSource(config, db, logger);
  } catch (err) {
    if (err instanceof SessionExpiredError) await sessionStoreFor(config, db).markExpired().catch(() => undefined);
    throw err;
  }
  try {
    const refs = config.telegram.channels;
    const { targets, errors } = await resolveTargets({ db, source, logger }, refs, only, { remember: !dryRun });
    if (targets.length === 0) {
      throw Object.assign(
        new Error(only ? `no syncable channel matches ${only}` : 'no channels to sync: set TELEGRAM_CHANNELS or add channels in the admin panel'),
        { userFacing: true },
      );
    }
    if (dryRun) {
      for (const t of targets) {
        await dryRunChannel({ source, ingest }, t, { batchSize: config.sync.batchSize, ...(values.limit ? { limit: Number(values.limit) } : {}) }, process.stdout);
      }
      return;
    }
    const apply = createSyncApplyService({ db, parse: (c, ch, e) => ingest.parse(c, ch, e), normalize: normalizeForSearch });
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
      await sessionStoreFor(config, db).markExpired().catch(() => undefined);
    }
    throw err;
  } finally {
    await source.close?.();
  }
}

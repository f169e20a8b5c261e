/**
 * `npm run scraper -- import-export PATH [--dry-run] [--rescan]`: imports a Telegram Desktop
 * "Export chat history" folder (JSON: result.json + photos/ + files/). Resumable and idempotent; no API keys.
 */
import type { CommandContext } from '../context.js';
import { normalizeForSearch } from '@waifudex/core/captions/parse-caption';
import { createSyncApplyService } from '@waifudex/core/services/sync-apply.service';
import { createProgress } from '../progress/progress.js';
import { abortOnSignals, parseFlags } from '../sync/cli-args.js';
import { dryRunDesktopExport, importDesktopExport, readDesktopExport } from '../export/desktop-export.js';

const USAGE = 'npm run scraper -- import-export PATH/TO/ChatExport [--dry-run] [--rescan]';

export default async function importExport(args: string[], ctx: CommandContext): Promise<void> {
  const { values, positionals } = parseFlags(args, { 'dry-run': { type: 'boolean' }, rescan: { type: 'boolean' } }, USAGE);
  const dir = positionals[0];
  if (!dir) throw Object.assign(new Error(`missing the export folder\nusage: ${USAGE}`), { userFacing: true });
  const { config, db, logger, ingest } = ctx;
  const exp = readDesktopExport(dir);
  if (exp.invalid) logger.warn({ invalid: exp.invalid }, 'some messages of the export could not be read and are left out');
  if (values['dry-run']) {
    await dryRunDesktopExport({ db, ingest }, exp, process.stdout, { rescan: Boolean(values.rescan) });
    return;
  }
  const ac = abortOnSignals(logger);
  const apply = createSyncApplyService({ db, parse: (c, ch, e) => ingest.parse(c, ch, e), normalize: normalizeForSearch });
  const { channel, result } = await importDesktopExport(
    { db, ingest, apply, logger, progress: createProgress({ stream: ctx.progress, logger }) },
    exp,
    { batchSize: config.sync.batchSize, concurrency: config.sync.concurrency, rescan: Boolean(values.rescan), signal: ac.signal },
  );
  logger.info({ channel: channel.id, status: result.status, ...result.counts }, 'export imported');
  if (result.status !== 'ok') process.exitCode = 1;
}

/**
 * `npm run scraper -- import-export PATH [--chat NAME|ID …] [--channel-id ID] [--dry-run] [--rescan]`:
 * imports a Telegram Desktop export: one channel's "Export chat history" (JSON result.json, or the
 * default HTML messages*.html, which needs --channel-id), or a full-account export (every channel in
 * it, or the ones named with --chat). Resumable and idempotent; no API keys. Posts whose file the export
 * left out are fetched by id by the first API sync of the same channel.
 */
import type { CommandContext } from '../context.js';
import { normalizeForSearch } from '@waifudex/core/captions/parse-caption';
import { createSyncApplyService } from '@waifudex/core/services/sync-apply.service';
import { createProgress } from '../progress/progress.js';
import { abortOnSignals } from '../sync/cli-args.js';
import { parseCommandLine } from '../cli/parse.js';
import { dryRunDesktopExport, importDesktopExport, readExportChats } from '../export/desktop-export.js';

export default async function importExport(args: string[], ctx: CommandContext): Promise<void> {
  const { opts, args: positionals } = parseCommandLine('import-export', args);
  const [dir] = positionals;
  const { config, db, logger, ingest } = ctx;
  const exports = readExportChats(dir, { chats: opts.chat, channelId: opts.channelId ?? null });
  const rescan = Boolean(opts.rescan);
  if (opts.dryRun) {
    for (const exp of exports) await dryRunDesktopExport({ db, ingest }, exp, process.stdout, { rescan });
    return;
  }
  const ac = abortOnSignals(logger);
  const apply = createSyncApplyService({
    db,
    parse: (c, ch, e) => ingest.parse(c, ch, e),
    normalize: normalizeForSearch,
  });
  for (const exp of exports) {
    if (ac.signal.aborted) break;
    if (exp.invalid)
      logger.warn(
        { chat: exp.channel.name, invalid: exp.invalid },
        'some messages of the export could not be read and are left out',
      );
    const { channel, result } = await importDesktopExport(
      { db, ingest, apply, logger, progress: createProgress({ stream: ctx.progress, logger }) },
      exp,
      { batchSize: config.sync.batchSize, concurrency: config.sync.concurrency, rescan, signal: ac.signal },
    );
    logger.info(
      { channel: channel.id, chat: exp.channel.name, format: exp.format, status: result.status, ...result.counts },
      'export imported',
    );
    if (result.counts.gapsOpen) {
      logger.info(
        { channel: channel.id, missing: result.counts.gapsOpen },
        'posts without their file in the export: the next API sync of this channel fetches them by id',
      );
    }
    if (result.status !== 'ok') process.exitCode = 1;
  }
}

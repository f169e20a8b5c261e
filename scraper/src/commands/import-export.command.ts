/**
 * `npm run scraper -- import-export PATH [--chat NAME|ID …] [--channel-id ID] [--dry-run] [--rescan]`:
 * imports a Telegram Desktop export: one channel's "Export chat history" (JSON result.json, or the
 * default HTML messages*.html, which needs --channel-id), or a full-account export (every channel in
 * it, or the ones named with --chat). Resumable and idempotent; no API keys. Posts whose file the export
 * left out are fetched by id by the first API sync of the same channel.
 */
import type { CommandContext } from '../context.js';
import { normalizeForSearch } from '@waifudex/core/captions/parse-caption';
import { parseChannelRef } from '@waifudex/core/telegram/channel-ref';
import { createSyncApplyService } from '@waifudex/core/services/sync-apply.service';
import { createProgress } from '../progress/progress.js';
import { abortOnSignals, parseFlags } from '../sync/cli-args.js';
import { dryRunDesktopExport, importDesktopExport, readExportChats } from '../export/desktop-export.js';
import { UserError } from '@waifudex/core/errors';

const USAGE =
  'npm run scraper -- import-export PATH/TO/export [--chat NAME|ID]… [--channel-id ID (HTML exports)] [--dry-run] [--rescan]';

function channelIdOf(v: string): string {
  try {
    const p = parseChannelRef(v);
    if (p.kind === 'id') return p.peerId;
  } catch {
    /* below */
  }
  throw new UserError(`--channel-id must be the channel's numeric id, its -100… id or a t.me/c/<id>/… link, not ${v}`);
}

export default async function importExport(args: string[], ctx: CommandContext): Promise<void> {
  const { values, positionals } = parseFlags(
    args,
    {
      'dry-run': { type: 'boolean' },
      rescan: { type: 'boolean' },
      chat: { type: 'string', multiple: true },
      'channel-id': { type: 'string' },
    },
    USAGE,
  );
  const dir = positionals[0];
  if (!dir) throw new UserError(`missing the export folder\nusage: ${USAGE}`);
  const { config, db, logger, ingest } = ctx;
  const chats = (values.chat as unknown as string[] | undefined) ?? [];
  const channelId = typeof values['channel-id'] === 'string' ? channelIdOf(values['channel-id']) : null;
  const exports = readExportChats(dir, { chats, channelId });
  const rescan = Boolean(values.rescan);
  if (values['dry-run']) {
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

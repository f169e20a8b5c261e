/**
 * `npm run reparse [-- --channel ID] [--override-edits] [--dry-run]`: re-parses stored raw captions with the
 * current parser and channel templates, keeping hand-edited fields unless --override-edits.
 */
import { reparseCaptions } from '@waifudex/core/services/reparse.service';
import type { CommandContext } from '../context.js';
import { bar, statusLine } from '../progress/progress.js';
import { parseCommandLine } from '../cli/parse.js';

export default async function reparse(args: string[], ctx: CommandContext): Promise<void> {
  const { opts } = parseCommandLine('reparse', args);
  const started = Date.now();
  const progressLine = statusLine(ctx.progress);
  const result = await reparseCaptions(ctx.db, {
    channelId: opts.channel ?? null,
    overrideEdits: opts.overrideEdits ?? false,
    dryRun: opts.dryRun ?? false,
    onProgress: (done, total) => progressLine.update(`re-parsing ${bar(done, total)}`),
  });
  progressLine.end();
  console.log(
    JSON.stringify({ ...result, conflicts: result.conflicts.length, seconds: (Date.now() - started) / 1000 }),
  );
  for (const c of result.conflicts.slice(0, 20)) ctx.logger.warn(c, 'not re-parsed');
}

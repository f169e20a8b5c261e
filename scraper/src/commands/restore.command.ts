/**
 * `npm run restore -- ARCHIVE [--force]`: brings a backup (`npm run backup`) into an empty install; `-`
 * reads it from stdin. Refuses an install that already holds a gallery unless --force. A bad archive
 * ends with one line and changes nothing. The images go into the configured store (a local folder or S3).
 * Stop the server and the worker first.
 */
import fs from 'node:fs';
import type { Readable } from 'node:stream';
import { restoreBackup } from '@waifudex/core/services/restore.service';
import type { CommandContext } from '../context.js';
import { UserError } from '@waifudex/core/errors';
import { parseCommandLine } from '../cli/parse.js';

const userError = (message: string) => new UserError(message);

export default async function restore(args: string[], ctx: CommandContext): Promise<void> {
  const { opts, args: positionals } = parseCommandLine('restore', args);
  const [archive] = positionals;
  const input = archive === '-' ? process.stdin : await openArchive(archive);
  const started = Date.now();
  const s = await restoreBackup({
    db: ctx.db,
    images: ctx.images,
    logger: ctx.logger,
    input,
    force: opts.force ?? false,
  });
  console.log(
    JSON.stringify({
      restored: archive,
      madeAt: s.createdAt,
      ...s.counts,
      rows: s.rows,
      files: s.files,
      seconds: (Date.now() - started) / 1000,
    }),
  );
}

/** Opens the file, turning a missing or unreadable one into one line. */
async function openArchive(file: string): Promise<Readable> {
  const stream = fs.createReadStream(file);
  await new Promise<void>((resolve, reject) => {
    stream.once('open', () => resolve());
    stream.once('error', (err) => reject(userError(`cannot read ${file}: ${err.message}`)));
  });
  return stream;
}

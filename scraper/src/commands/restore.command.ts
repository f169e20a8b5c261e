/**
 * `npm run restore -- ARCHIVE [--force]`: brings a backup (`npm run backup`) into an empty install; `-`
 * reads it from stdin. Refuses an install that already holds a gallery unless --force. A bad archive
 * ends with one line and changes nothing. The images go into the configured store (a local folder or S3).
 * Stop the server and the worker first.
 */
import fs from 'node:fs';
import type { Readable } from 'node:stream';
import { parseArgs } from 'node:util';
import { restoreBackup } from '@waifudex/core/services/restore.service';
import type { CommandContext } from '../context.js';
import { UserError } from '@waifudex/core/errors';

const userError = (message: string) => new UserError(message);
const USAGE = 'usage: npm run restore -- ARCHIVE|- [--force]';

export default async function restore(args: string[], ctx: CommandContext): Promise<void> {
  let parsed: { values: { force?: boolean | undefined }; positionals: string[] };
  try {
    parsed = parseArgs({ args, options: { force: { type: 'boolean' } }, allowPositionals: true });
  } catch (err) {
    throw userError(`${(err as Error).message}\n${USAGE}`);
  }
  const [archive, ...extra] = parsed.positionals;
  if (!archive || extra.length) throw userError(USAGE);
  const input = archive === '-' ? process.stdin : await openArchive(archive);
  const started = Date.now();
  const s = await restoreBackup({
    db: ctx.db,
    images: ctx.images,
    logger: ctx.logger,
    input,
    force: parsed.values.force ?? false,
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

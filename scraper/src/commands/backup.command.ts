/**
 * `npm run backup [-- --out FILE]`: writes one archive of the gallery (database rows, stored images and
 * a manifest; the images read from the configured store, a local folder or S3) to FILE (default `waifudex-backup-<UTC time>.tar.gz` here; `.tar` = uncompressed; `-` =
 * stdout, for `docker compose run -T … backup --out - > file`). The file appears only when complete.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { createBackup } from '@waifudex/core/services/backup.service';
import { isProcessAlive } from '@waifudex/core/process-alive';
import type { CommandContext } from '../context.js';
import { UserError } from '@waifudex/core/errors';
import { parseCommandLine } from '../cli/parse.js';

const userError = (message: string) => new UserError(message);

export default async function backup(args: string[], ctx: CommandContext): Promise<void> {
  const { opts } = parseCommandLine('backup', args);
  const out =
    opts.out ?? `waifudex-backup-${new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '')}Z.tar.gz`;
  const base = { db: ctx.db, images: ctx.images, logger: ctx.logger };
  if (out === '-') {
    if (process.stdout.isTTY)
      throw userError('refusing to write an archive to a terminal: redirect stdout, or use --out FILE');
    const m = await createBackup({ ...base, out: process.stdout, gzip: true });
    ctx.progress.write(
      `backup: ${m.counts.characters} characters, ${m.counts.artworks} artworks, ${m.files.length} files\n`,
    );
    warnMissing(m.missingFiles, ctx);
    return;
  }
  const target = path.resolve(out);
  await removeDeadPartials(target);
  const partial = `${target}.partial-${process.pid}`;
  const started = Date.now();
  try {
    const m = await createBackup({
      ...base,
      out: fs.createWriteStream(partial, { flags: 'wx', mode: 0o600 }),
      gzip: !/\.tar$/i.test(target),
    });
    await fsp.rename(partial, target);
    const { size } = await fsp.stat(target);
    console.log(
      JSON.stringify({
        archive: target,
        bytes: size,
        ...m.counts,
        files: m.files.length,
        missingFiles: m.missingFiles.length,
        migrations: m.migrations.length,
        seconds: (Date.now() - started) / 1000,
      }),
    );
    warnMissing(m.missingFiles, ctx);
  } catch (err) {
    await fsp.rm(partial, { force: true });
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EACCES' || code === 'ENOSPC' || code === 'EROFS')
      throw userError(`cannot write ${target}: ${(err as Error).message}`);
    throw err;
  }
}

/** The archive is whole, but the gallery in it lacks files: say so and fail, so that cron notices. */
function warnMissing(missing: string[], ctx: CommandContext): void {
  if (!missing.length) return;
  const where = ctx.images.kind === 'local' ? 'IMAGES_DIR' : `the bucket (${ctx.images.location})`;
  console.error(
    `warning: ${missing.length} files the gallery references were not in ${where} (first: ${missing[0]}); the archive lists them under missingFiles`,
  );
  process.exitCode = 1;
}

/** Half-written archives of backups that were killed (their process is gone). */
async function removeDeadPartials(target: string): Promise<void> {
  const names = await fsp.readdir(path.dirname(target)).catch(() => [] as string[]);
  const prefix = `${path.basename(target)}.partial-`;
  for (const name of names) {
    const pid = name.startsWith(prefix) ? Number(name.slice(prefix.length)) : NaN;
    if (Number.isInteger(pid) && pid > 0 && !isProcessAlive(pid))
      await fsp.rm(path.join(path.dirname(target), name), { force: true });
  }
}

/**
 * `npm run storage:migrate -- --from local --to s3` (or `--from s3 --to local`): copies every stored image
 * between IMAGES_DIR and the S3 bucket, resumable and verified by SHA-256 (see store-copy.service). The
 * bucket is IMAGES_STORE when that is s3://…, else `--s3 s3://bucket/prefix` with the S3_* settings.
 * Afterwards set IMAGES_STORE to the destination and restart; the source is left as it was.
 */
import fs from 'node:fs';
import { loadConfig } from '@waifudex/core/config/env';
import { openImageStore } from '@waifudex/core/storage/open-image-store';
import { copyImageStore } from '@waifudex/core/services/store-copy.service';
import type { CommandContext } from '../context.js';
import { UserError } from '@waifudex/core/errors';
import { parseCommandLine } from '../cli/parse.js';

const userError = (message: string) => new UserError(message);

export default async function storageMigrate(args: string[], ctx: CommandContext): Promise<void> {
  const { opts: values } = parseCommandLine('storage-migrate', args);
  if (values.from === values.to)
    throw userError('--from and --to must differ: --from local --to s3, or --from s3 --to local');
  const { concurrency } = values;
  const s3 = values.s3 ? loadConfig({ ...process.env, IMAGES_STORE: values.s3 }).imageStore : ctx.config.imageStore;
  if (s3.kind !== 's3')
    throw userError(
      'IMAGES_STORE is not s3://…: name the bucket with --s3 s3://bucket/prefix (and set S3_ENDPOINT, S3_* as for the server)',
    );
  if (values.from === 'local' && !fs.existsSync(ctx.config.imagesDir))
    throw userError(`IMAGES_DIR ${ctx.config.imagesDir} does not exist`);
  const local = await openImageStore({ kind: 'local', dir: ctx.config.imagesDir });
  const bucket = await openImageStore(s3);
  const [from, to] = values.from === 'local' ? ([local, bucket] as const) : ([bucket, local] as const);
  const started = Date.now();
  try {
    const r = await copyImageStore({
      db: ctx.db,
      from,
      to,
      concurrency,
      onProgress: (p) => {
        if (!ctx.progress.isTTY && p.seen % 200 !== 0) return;
        const line = `storage:migrate ${p.seen} checked · ${p.copied} copied · ${p.alreadyThere} already there${p.failed.length ? ` · failed ${p.failed.length}` : ''}`;
        ctx.progress.write(ctx.progress.isTTY ? `\r${line}\x1b[K` : `${line}\n`);
      },
    });
    if (ctx.progress.isTTY) ctx.progress.write('\n');
    for (const f of r.failed.slice(0, 20)) ctx.logger.error({ object: f }, 'could not copy');
    for (const k of r.missing.slice(0, 20))
      ctx.logger.error({ key: k }, 'referenced by the database but not at the destination');
    console.log(
      JSON.stringify({
        from: from.location,
        to: to.location,
        copied: r.copied,
        alreadyThere: r.alreadyThere,
        failed: r.failed.length,
        missing: r.missing.length,
        megabytes: Math.round(r.bytes / 1e5) / 10,
        seconds: (Date.now() - started) / 1000,
      }),
    );
    if (r.failed.length || r.missing.length) process.exitCode = 1;
  } finally {
    await bucket.close?.();
  }
}

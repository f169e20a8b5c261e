/**
 * `npm run scraper -- import-dir DIR [--recursive] [--concurrency N]`: imports every image in a folder
 * (e.g. one saved by another downloader), each with the caption from a sidecar `.txt` of the same base
 * name. Idempotent: images already stored (same bytes) are counted, not duplicated. Prints a progress line.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { ImageRejectedError } from '@waifudex/core/images/analyze-image';
import { defaultImageThreads } from '@waifudex/core/images/image-pool';
import { NotCharacterPostError } from '@waifudex/core/captions/character-post';
import type { CommandContext } from '../context.js';
import { bar, statusLine } from '../progress/progress.js';
import { UserError } from '@waifudex/core/errors';
import { parseCommandLine } from '../cli/parse.js';

const IMAGE_EXT = /\.(jpe?g|png|webp|gif|avif|tiff?)$/i;

async function listImages(dir: string, recursive: boolean): Promise<string[]> {
  const out: string[] = [];
  for (const e of await fs.readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) {
      if (recursive) out.push(...(await listImages(p, true)));
    } else if (e.isFile() && IMAGE_EXT.test(e.name)) out.push(p);
  }
  return out.sort();
}

async function readCaption(imagePath: string): Promise<string> {
  const base = imagePath.slice(0, imagePath.length - path.extname(imagePath).length);
  for (const candidate of [`${base}.txt`, `${imagePath}.txt`]) {
    try {
      return (await fs.readFile(candidate, 'utf8')).replace(/^\uFEFF/, '').trim();
    } catch {
      /* no sidecar here */
    }
  }
  return '';
}

export default async function importDir(args: string[], ctx: CommandContext): Promise<void> {
  const { opts, args: positionals } = parseCommandLine('import-dir', args);
  const [dir] = positionals;
  const stat = await fs.stat(dir).catch(() => null);
  if (!stat?.isDirectory()) throw new UserError(`not a folder: ${dir}`);
  const files = await listImages(path.resolve(dir), opts.recursive ?? false);
  // two files per core by default (the image pool's threads): one analysed while the other's files and rows are written
  const concurrency = opts.concurrency ?? Math.min(8, 2 * defaultImageThreads() || 2);
  const counts = {
    created: 0,
    new_artwork: 0,
    already_stored: 0,
    duplicate_image: 0,
    not_character: 0,
    rejected: 0,
    failed: 0,
  };
  const started = Date.now();
  let done = 0;
  let lastDraw = 0;
  const progressLine = statusLine(ctx.progress);
  const draw = (force = false) => {
    const now = Date.now();
    if (!force && now - lastDraw < 200) return;
    lastDraw = now;
    const rate = done / Math.max(0.001, (now - started) / 1000);
    const eta = rate > 0 ? Math.round((files.length - done) / rate) : 0;
    const line =
      `importing ${bar(done, files.length)}` +
      ` · new ${counts.created + counts.new_artwork} · already ${counts.already_stored + counts.duplicate_image}` +
      (counts.not_character ? ` · not a character ${counts.not_character}` : '') +
      (counts.rejected ? ` · rejected ${counts.rejected}` : '') +
      (counts.failed ? ` · failed ${counts.failed}` : '') +
      ` · ${rate.toFixed(1)} img/s · ETA ${eta}s`;
    progressLine.update(line);
  };
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < files.length) {
        const file = files[next++]!;
        try {
          const [bytes, caption] = await Promise.all([fs.readFile(file), readCaption(file)]);
          const outcome = await ctx.ingest.ingestImage({ bytes, caption });
          counts[outcome.status]++;
        } catch (err) {
          if (err instanceof NotCharacterPostError) {
            counts.not_character++;
            ctx.logger.info({ file, reason: err.reason }, `skipped: ${err.message}`);
          } else if (err instanceof ImageRejectedError) {
            counts.rejected++;
            ctx.logger.warn({ file, code: err.code }, `skipped: ${err.message}`);
          } else {
            counts.failed++;
            ctx.logger.error({ file, err }, 'import failed');
          }
        }
        done++;
        if (progressLine.live || done % 50 === 0) draw();
      }
    }),
  );
  draw(true);
  progressLine.end();
  console.log(
    JSON.stringify({
      folder: path.resolve(dir),
      files: files.length,
      ...counts,
      seconds: (Date.now() - started) / 1000,
    }),
  );
  if (counts.failed) process.exitCode = 1;
}

/**
 * Scraper CLI: `npm run scraper -- <command> [args]`. Each command lives in commands/<name>.command.ts
 * and gets the same database and services as the server (the embedded PostgreSQL in DATA_DIR is shared by
 * every process; the first one starts it).
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig, loadDotEnv } from '@waifudex/core/config/env';
import { createLogger } from '@waifudex/core/logger';
import { openDatabase } from '@waifudex/core/db/database';
import { migrate } from '@waifudex/core/db/migrate';
import { hasUncopiedLegacyGallery } from '@waifudex/core/db/legacy-pglite';
import { runMain } from '@waifudex/core/run-main';
import { createIngestService } from '@waifudex/core/services/ingest.service';
import { createImagePool } from '@waifudex/core/images/image-pool';
import { createClipEmbedder } from '@waifudex/core/images/clip-embedder';
import { createSimilarArtworksService, withSimilarEmbeddings } from '@waifudex/core/services/similar-artworks.service';
import { openImageStore } from '@waifudex/core/storage/open-image-store';
import type { Command, CommandContext } from './context.js';
import { UserError } from '@waifudex/core/errors';

const here = path.dirname(fileURLToPath(import.meta.url));

function available(): string[] {
  return fs
    .readdirSync(path.join(here, 'commands'))
    .filter((f) => /\.command\.(js|ts)$/.test(f))
    .map((f) => f.replace(/\.command\.(js|ts)$/, ''))
    .sort();
}

runMain(async () => {
  const [name, ...args] = process.argv.slice(2);
  const names = available();
  if (!name || name === 'help' || name === '--help' || !names.includes(name)) {
    const msg = `usage: npm run scraper -- <command> [args]\ncommands: ${names.join(', ')}`;
    if (name && name !== 'help' && name !== '--help') throw new UserError(`unknown command "${name}"\n${msg}`);
    console.log(msg);
    return;
  }
  await loadDotEnv();
  const config = loadConfig();
  // backup/restore may stream an archive through stdout/stdin: their logs go to stderr
  const dataOnStdio = name === 'backup' || name === 'restore';
  const logger = createLogger(config.logLevel, `scraper:${name}`, dataOnStdio);
  const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, logger });
  const limits = { maxBytes: config.maxUploadBytes, maxPixels: config.maxImagePixels };
  // New artworks get CLIP embeddings when CLIP_MODEL is set (the embed command manages its own).
  const embedder =
    config.clipModel && name !== 'embed'
      ? createClipEmbedder({
          model: config.clipModel,
          cacheDir: path.join(config.dataDir, 'models'),
          decode: limits,
          logger,
        })
      : null;
  if (config.imageStore.kind === 'local') fs.mkdirSync(config.imagesDir, { recursive: true });
  const images = await openImageStore(config.imageStore);
  const similar = createSimilarArtworksService({ db, logger, embedder, images });
  const imagePool = createImagePool({ threads: config.imageThreads });
  try {
    // restore first brings the schema to the backup's level and migrates up after copying the rows
    if (name !== 'restore') await migrate(db, logger);
    if (db.kind === 'embedded' && hasUncopiedLegacyGallery(config.dataDir) && name !== 'migrate-embedded') {
      logger.warn(
        `DATA_DIR/pglite holds a gallery from an earlier version that is not in this database: run \`npm run migrate-embedded\` to copy it over`,
      );
    }
    const ctx: CommandContext = {
      config,
      db,
      logger,
      ingest: withSimilarEmbeddings(createIngestService({ db, images, logger, imagePool, ...limits }), similar),
      images,
      progress: process.stderr,
    };
    const mod = (await import(`./commands/${name}.command.js`)) as { default: Command };
    await mod.default(args, ctx);
  } finally {
    await similar.close(); // finishes queued embeddings
    await imagePool.close();
    await db.close();
    await images.close?.();
    // a Telegram client that could not connect may keep retrying a socket in the background: the
    // command is over, so give stragglers a moment and exit (the timer itself keeps nothing alive)
    setTimeout(() => process.exit(), 2000).unref();
  }
});

/**
 * Runs one parsed command: loads the config, opens the database (migrating it) and the image store, wires
 * the same services the server uses, and hands them to commands/<name>.command.ts.
 */
import fs from 'node:fs';
import { loadConfig, loadDotEnv } from '@waifudex/core/config/env';
import { createLogger } from '@waifudex/core/logger';
import { openDatabase } from '@waifudex/core/db/database';
import { migrate } from '@waifudex/core/db/migrate';
import { hasUncopiedLegacyGallery } from '@waifudex/core/db/legacy-pglite';
import { createIngestService } from '@waifudex/core/services/ingest.service';
import { clipEmbedderFor } from '@waifudex/core/images/clip-embedder';
import { createImagePool } from '@waifudex/core/images/image-pool';
import { createSimilarArtworksService, withSimilarEmbeddings } from '@waifudex/core/services/similar-artworks.service';
import { openImageStore } from '@waifudex/core/storage/open-image-store';
import type { Command, CommandContext } from '../context.js';
import type { CommandName } from './commands.js';

export async function runCommand(name: CommandName, args: string[]): Promise<void> {
  await loadDotEnv();
  const config = loadConfig();
  // backup/restore may stream an archive through stdout/stdin: their logs go to stderr
  const dataOnStdio = name === 'backup' || name === 'restore';
  const logger = createLogger(config.logLevel, `scraper:${name}`, dataOnStdio);
  const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, logger });
  const limits = { maxBytes: config.maxUploadBytes, maxPixels: config.maxImagePixels };
  // New artworks get CLIP embeddings when CLIP_MODEL is set (the embed command manages its own).
  const embedder = name === 'embed' ? null : clipEmbedderFor(config, logger);
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
    const mod = (await import(`../commands/${name}.command.js`)) as { default: Command };
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
}

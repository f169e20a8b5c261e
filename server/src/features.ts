/** Wires the feature services and their routers for main.ts (tests wire the same routers directly). */
import type { Router } from 'express';
import type { Config } from '@waifudex/core/config/env';
import type { Db } from '@waifudex/core/db/database';
import type { Logger } from '@waifudex/core/logger';
import type { ImageStore } from '@waifudex/core/services/image-store';
import { createIngestService } from '@waifudex/core/services/ingest.service';
import { createImageSearchService } from '@waifudex/core/services/image-search.service';
import { clipEmbedderFor } from '@waifudex/core/images/clip-embedder';
import { createImagePool } from '@waifudex/core/images/image-pool';
import { createSimilarArtworksService, withSimilarEmbeddings } from '@waifudex/core/services/similar-artworks.service';
import { similarRoutes } from './routes/similar.routes.js';
import { adminGuard } from './middleware/auth.js';
import { createWorkGate } from './http/work-gate.js';
import { channelRoutes } from './routes/channels.routes.js';
import { searchRoutes } from './routes/search.routes.js';
import { adminCharacterRoutes } from './routes/admin-characters.routes.js';
import { curationRoutes } from './routes/curation.routes.js';
import { syncRoutes } from './routes/sync.routes.js';
import { botRoutes } from './routes/bot.routes.js';
import { startEmbeddedWorker, wantsEmbeddedWorker } from './embedded-worker.js';
import { createTrashService } from '@waifudex/core/services/trash.service';
import { scheduleJob } from './scheduled-job.js';
import { createSyncEventHub } from './sync-events.js';
import { loadSyncStatus } from './sync-status.js';
import { createTelegramSessionStore } from '@waifudex/core/services/telegram-session.service';
import { createTelegramLoginService } from '@waifudex/core/services/telegram-login.service';
import { telegramRoutes } from './routes/telegram.routes.js';
import { scraperLoginDriver } from './login-driver.js';

export interface Features {
  routers: Router[];
  stop(): Promise<void>;
}

export async function createFeatureRouters(deps: {
  config: Config;
  db: Db;
  logger: Logger;
  images: ImageStore;
}): Promise<Features> {
  const { config, db, logger, images } = deps;
  const stoppers: Array<() => Promise<void>> = [];
  const limits = { maxBytes: config.maxUploadBytes, maxPixels: config.maxImagePixels };
  // Optional CLIP stage: off unless CLIP_MODEL is set; the model loads in the background.
  const embedder = clipEmbedderFor(config, logger);
  const similar = createSimilarArtworksService({ db, logger, embedder, images, preloadIndex: true });
  void similar.start();
  stoppers.push(() => similar.close());
  // uploads and curation decode, hash and thumbnail on worker threads: browse requests never wait behind them
  const imagePool = createImagePool({ threads: config.imageThreads });
  stoppers.push(() => imagePool.close());
  const ingest = withSimilarEmbeddings(createIngestService({ db, images, logger, imagePool, ...limits }), similar);
  const search = createImageSearchService({ db, images, logger, decode: limits, imagePool });
  // the index loads while the server already serves browse and text search (image search: 503 warming_up)
  void search.start().catch((err) => logger.error({ err }, 'image search index could not be built; searches retry it'));
  stoppers.push(async () => search.stop());
  // One bound for every route that decodes images, so their sum stays within the machine.
  const gate = createWorkGate(config.imageWork);
  const requireAdmin = adminGuard({ publicUrl: config.publicUrl });
  const trash = createTrashService({
    db,
    images,
    retentionDays: config.trashRetentionDays,
    onChange: () => search.refresh(),
  });
  const stopPurge = scheduleJob(
    'trash purge',
    async () => {
      const r = await trash.purge();
      if (r.characters || r.artworks) logger.info(r, 'trash purged');
    },
    logger,
    60 * 60_000,
    30_000,
  );
  stoppers.push(async () => stopPurge());
  const sessions = createTelegramSessionStore({ db, sessionSecret: config.sessionSecret, dataDir: config.dataDir });
  const login = createTelegramLoginService({ driver: scraperLoginDriver(config), store: sessions });
  stoppers.push(async () => login.cancel());
  const syncHub = createSyncEventHub({
    db,
    logger,
    load: () => loadSyncStatus(db, { cron: config.telegram.apiId ? config.sync.cron : null }),
  });
  stoppers.push(() => syncHub.close());
  const routers: Router[] = [
    searchRoutes({ search, logger, maxUploadBytes: config.maxUploadBytes, gate }),
    similarRoutes({ similar, maxUploadBytes: config.maxUploadBytes, gate }),
    adminCharacterRoutes({
      db,
      ingest,
      images,
      requireAdmin,
      maxUploadBytes: config.maxUploadBytes,
      gate,
      trash,
      onChange: () => search.refresh(),
    }),
    curationRoutes({ db, ingest, images, requireAdmin, onChange: () => search.refresh() }),
    channelRoutes({ db, requireAdmin }),
    syncRoutes({ db, requireAdmin, logger, cron: config.telegram.apiId ? config.sync.cron : null, hub: syncHub }),
    botRoutes({ db, requireAdmin, configured: Boolean(config.bot.token) }),
    telegramRoutes({ db, requireAdmin, store: sessions, login, configured: Boolean(config.telegram.apiId) }),
  ];
  if (wantsEmbeddedWorker(config)) stoppers.push(startEmbeddedWorker(logger));
  if (config.bot.token && config.sync.embeddedWorker) stoppers.push(startEmbeddedWorker(logger, undefined, 'bot'));
  return {
    routers,
    async stop() {
      // catch: shutting down: one failing stopper must not keep the others from stopping
      for (const s of stoppers.reverse()) await s().catch(() => undefined);
    },
  };
}

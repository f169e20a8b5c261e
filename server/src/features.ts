/** Wires the feature services and their routers for main.ts (tests wire the same routers directly). */
import path from 'node:path';
import type { Router } from 'express';
import type { Config } from '@waifudex/core/config/env';
import type { Db } from '@waifudex/core/db/database';
import type { Logger } from '@waifudex/core/logger';
import { createIngestService } from '@waifudex/core/services/ingest.service';
import { createImageSearchService } from '@waifudex/core/services/image-search.service';
import { createClipEmbedder } from '@waifudex/core/images/clip-embedder';
import { createSimilarArtworksService, withSimilarEmbeddings } from '@waifudex/core/services/similar-artworks.service';
import { similarRoutes } from './routes/similar.routes.js';
import { adminGuard } from './middleware/auth.js';
import { createWorkGate } from './http/work-gate.js';
import { channelRoutes } from './routes/channels.routes.js';
import { searchRoutes } from './routes/search.routes.js';
import { adminCharacterRoutes } from './routes/admin-characters.routes.js';
import { syncRoutes } from './routes/sync.routes.js';
import { botRoutes } from './routes/bot.routes.js';
import { startEmbeddedWorker, wantsEmbeddedWorker } from './embedded-worker.js';

export interface Features {
  routers: Router[];
  stop(): Promise<void>;
}

export async function createFeatureRouters(deps: { config: Config; db: Db; logger: Logger }): Promise<Features> {
  const { config, db, logger } = deps;
  const stoppers: Array<() => Promise<void>> = [];
  const limits = { maxBytes: config.maxUploadBytes, maxPixels: config.maxImagePixels };
  // Optional CLIP stage: off unless CLIP_MODEL is set; the model loads in the background.
  const embedder = config.clipModel
    ? createClipEmbedder({ model: config.clipModel, cacheDir: path.join(config.dataDir, 'models'), decode: limits, logger })
    : null;
  const similar = createSimilarArtworksService({ db, logger, embedder, imagesDir: config.imagesDir, preloadIndex: true });
  void similar.start();
  stoppers.push(() => similar.close());
  const ingest = withSimilarEmbeddings(createIngestService({ db, imagesDir: config.imagesDir, logger, ...limits }), similar);
  const search = createImageSearchService({ db, imagesDir: config.imagesDir, logger, decode: limits });
  await search.start();
  stoppers.push(async () => search.stop());
  // One bound for every route that decodes images, so their sum stays within the machine.
  const gate = createWorkGate(config.imageWork);
  const requireAdmin = adminGuard({ publicUrl: config.publicUrl });
  const routers: Router[] = [
    searchRoutes({ search, logger, maxUploadBytes: config.maxUploadBytes, gate }),
    similarRoutes({ similar, maxUploadBytes: config.maxUploadBytes, gate }),
    adminCharacterRoutes({ db, ingest, imagesDir: config.imagesDir, requireAdmin, maxUploadBytes: config.maxUploadBytes, gate, onChange: () => search.refresh() }),
    channelRoutes({ db, requireAdmin }),
    syncRoutes({ db, requireAdmin }),
    botRoutes({ db, requireAdmin, configured: Boolean(config.bot.token) }),
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

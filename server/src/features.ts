/** Wires the feature services and their routers for main.ts (tests wire the same routers directly). */
import type { Router } from 'express';
import type { Config } from '@waifudex/core/config/env';
import type { Db } from '@waifudex/core/db/database';
import type { Logger } from '@waifudex/core/logger';
import { createIngestService } from '@waifudex/core/services/ingest.service';
import { createImageSearchService } from '@waifudex/core/services/image-search.service';
import { requireAdmin } from './middleware/auth.js';
import { channelRoutes } from './routes/channels.routes.js';
import { searchRoutes } from './routes/search.routes.js';
import { adminCharacterRoutes } from './routes/admin-characters.routes.js';
import { syncRoutes } from './routes/sync.routes.js';
import { startEmbeddedWorker, wantsEmbeddedWorker } from './embedded-worker.js';

export interface Features {
  routers: Router[];
  stop(): Promise<void>;
}

export async function createFeatureRouters(deps: { config: Config; db: Db; logger: Logger }): Promise<Features> {
  const { config, db, logger } = deps;
  const stoppers: Array<() => Promise<void>> = [];
  const limits = { maxBytes: config.maxUploadBytes, maxPixels: config.maxImagePixels };
  const ingest = createIngestService({ db, imagesDir: config.imagesDir, logger, ...limits });
  const search = createImageSearchService({ db, imagesDir: config.imagesDir, logger, decode: limits });
  await search.start();
  stoppers.push(async () => search.stop());
  const routers: Router[] = [
    searchRoutes({ search, logger, maxUploadBytes: config.maxUploadBytes }),
    adminCharacterRoutes({ db, ingest, imagesDir: config.imagesDir, requireAdmin, maxUploadBytes: config.maxUploadBytes, onChange: () => search.refresh() }),
    channelRoutes({ db, requireAdmin }),
    syncRoutes({ db, requireAdmin }),
  ];
  if (wantsEmbeddedWorker(config)) stoppers.push(startEmbeddedWorker(logger));
  return {
    routers,
    async stop() {
      for (const s of stoppers.reverse()) await s().catch(() => undefined);
    },
  };
}

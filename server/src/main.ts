/** Composition root of the server: config → database (+migrations) → services → app.listen. */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fs from 'node:fs';
import { loadConfig, loadDotEnv } from '@waifudex/core/config/env';
import { createLogger } from '@waifudex/core/logger';
import { openDatabase } from '@waifudex/core/db/database';
import { migrate } from '@waifudex/core/db/migrate';
import { hasUncopiedLegacyGallery } from '@waifudex/core/db/legacy-pglite';
import { runMain } from '@waifudex/core/run-main';
import { VERSION } from '@waifudex/core/version';
import { createAuthService } from '@waifudex/core/services/auth.service';
import { ensureFirstAdmin } from '@waifudex/core/services/first-run.service';
import { sweepOrphanFiles } from '@waifudex/core/services/image-orphans.service';
import { pathsFor } from '@waifudex/core/services/image-store';
import { openImageStore } from '@waifudex/core/storage/open-image-store';
import { buildApp } from './app.js';
import { createFeatureRouters } from './features.js';
import { scheduleSessionPurge } from './session-purge.js';
import { scheduleJob } from './scheduled-job.js';
import { createVisitorAuthService } from '@waifudex/core/services/visitor-auth.service';
import { createWebhookSender } from './webhooks/webhook-sender.js';

const here = path.dirname(fileURLToPath(import.meta.url));

runMain(async () => {
  await loadDotEnv();
  const config = loadConfig();
  const logger = createLogger(config.logLevel, 'server');
  if (config.imageStore.kind === 'local') fs.mkdirSync(config.imagesDir, { recursive: true });
  const images = await openImageStore(config.imageStore);
  // A redirect to the bucket needs its origin in the CSP's img-src (taken from a signed URL: path or host style).
  const signed = await images.signedUrl(pathsFor('0'.repeat(64), 'jpg').filePath);
  const imageOrigins = signed ? [new URL(signed).origin] : [];
  const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, logger, role: 'server' });
  await migrate(db, logger);
  if (db.kind === 'embedded' && hasUncopiedLegacyGallery(config.dataDir)) {
    logger.warn(
      `DATA_DIR/pglite holds a gallery from an earlier version that is not in this database: run \`npm run migrate-embedded\` to copy it over`,
    );
  }
  const auth = createAuthService({ db });
  await ensureFirstAdmin({
    auth,
    logger,
    username: config.admin.username,
    password: config.admin.password,
    dataDir: config.dataDir,
  });
  // Files of an ingest whose transaction failed, or of a process killed mid-ingest (here or in the scraper):
  // swept at start and then every hour, in the background, never blocking start.
  const stopSweep = scheduleJob(
    'orphan file sweep',
    async () => {
      const r = await sweepOrphanFiles(db, images);
      if (r.tempFiles || r.orphans) logger.info(r, 'removed files left by an interrupted or failed ingest');
    },
    logger,
    60 * 60_000,
  );
  const visitorAuth = createVisitorAuthService({ db });
  const features = await createFeatureRouters({ config, db, logger, images });
  // Deliveries are queued by database triggers (from this process or the sync worker); this process sends them.
  const webhooks = createWebhookSender({ db, logger, publicUrl: config.publicUrl });
  webhooks.start();
  const app = buildApp({
    db,
    logger,
    images,
    imageServe: config.imageStore.kind === 's3' ? config.imageStore.serve : undefined,
    imageOrigins,
    webDir: path.resolve(here, '../../web/dist'),
    version: VERSION,
    auth,
    trustProxy: config.trustProxy,
    publicUrl: config.publicUrl,
    corsOrigins: config.corsOrigins,
    searchRateLimitPerMinute: config.searchRateLimitPerMinute,
    routers: features.routers,
    visitorAuth,
    registration: config.visitors.registration,
    onWebhookQueued: () => void webhooks.kick(),
  });
  const stopPurge = scheduleSessionPurge(auth, logger);
  const stopVisitorPurge = scheduleSessionPurge(visitorAuth, logger);
  const server = app.listen(config.port, config.host, () => {
    const addr = server.address();
    const port = typeof addr === 'object' && addr ? addr.port : config.port;
    logger.info(
      { port, database: db.location, images: images.location },
      `Waifudex is running on http://localhost:${port}`,
    );
  });
  server.on('error', (err: NodeJS.ErrnoException) => {
    const why =
      err.code === 'EADDRINUSE'
        ? 'the port is in use (EADDRINUSE); is Waifudex already running? set PORT'
        : err.message;
    console.error(`error: cannot listen on ${config.host}:${config.port}: ${why}`);
    void Promise.all([webhooks.stop(), features.stop()]).finally(() => db.close().finally(() => process.exit(1)));
  });
  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    logger.info({ signal }, 'shutting down');
    server.close();
    stopPurge();
    stopSweep();
    stopVisitorPurge();
    await webhooks.stop();
    await features.stop();
    await db.close();
    await images.close?.();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
});

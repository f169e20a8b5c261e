/** buildApp(deps): the Express app without listen() or globals, so tests run it on an ephemeral port. */
import express, { type Router } from 'express';
import cors from 'cors';
import fs from 'node:fs';
import path from 'node:path';
import type { Db } from '@waifudex/core/db/database';
import type { Logger } from '@waifudex/core/logger';
import type { AuthService } from '@waifudex/core/services/auth.service';
import { apiNotFound, errorHandler } from './middleware/error-handler.js';
import { healthRoutes } from './routes/health.routes.js';
import { characterRoutes } from './routes/characters.routes.js';
import { authRoutes } from './routes/auth.routes.js';
import { openApiRoutes } from './routes/openapi.routes.js';
import { adminGuard, sessionMiddleware } from './middleware/auth.js';
import { securityHeaders } from './middleware/security-headers.js';
import { requestLog } from './middleware/request-log.js';
import { searchRateLimit } from './middleware/search-rate-limit.js';
import type { LoginLimiter } from './middleware/login-limiter.js';
import { settingsRoutes } from './routes/settings.routes.js';
import { pageMetaRoutes } from './routes/page-meta.routes.js';
import { homePageRoutes } from './routes/home-page.routes.js';
import compression from 'compression';
import type { ImageStore } from '@waifudex/core/services/image-store';
import { imageStoreOf } from '@waifudex/core/services/image-files';
import { imageRoutes } from './routes/images.routes.js';
import { createVisitorAuthService, type VisitorAuthService } from '@waifudex/core/services/visitor-auth.service';
import { createCollectionService } from '@waifudex/core/services/collection.service';
import type { RegistrationMode } from '@waifudex/core/api/index';
import { visitorGuard, visitorSessionMiddleware } from './middleware/visitor-auth.js';
import { visitorAuthRoutes } from './routes/visitor-auth.routes.js';
import { meRoutes } from './routes/me.routes.js';
import { commentRoutes } from './routes/comments.routes.js';
import { adminVisitorRoutes } from './routes/admin-visitors.routes.js';
import { webhookRoutes } from './routes/webhooks.routes.js';

export interface AppDeps {
  db: Db;
  logger: Logger;
  /** Where images are served from (IMAGES_STORE); `imagesDir` is shorthand for a local folder store. */
  images?: ImageStore;
  imagesDir?: string;
  /** S3 store: answer /images with a redirect to a signed URL (default) or proxy the bytes (S3_SERVE). */
  imageServe?: 'redirect' | 'proxy';
  /** Origins images are redirected to (the bucket's), allowed in the CSP's img-src. */
  imageOrigins?: string[];
  /** Built web app (web/dist); served with an SPA fallback when present. */
  webDir: string | null;
  version: string;
  auth: AuthService;
  /** Express `trust proxy` (TRUST_PROXY); default false. */
  trustProxy?: boolean | number | string;
  /** Origin the admin panel is served from behind a Host-rewriting proxy (PUBLIC_URL). */
  publicUrl?: string;
  /** Browser origins allowed to call the API (CORS); empty = off. */
  corsOrigins?: string[];
  /** Image searches per address/token and minute (default 20). */
  searchRateLimitPerMinute?: number;
  loginLimiter?: LoginLimiter;
  /** Log one line per request (default true). */
  requestLogging?: boolean;
  /** Visitor accounts (default: a service over `db`). */
  visitorAuth?: VisitorAuthService;
  /** REGISTRATION: the sign-up mode until the admin picks one (default closed). */
  registration?: RegistrationMode;
  visitorLoginLimiter?: LoginLimiter;
  /** Visitor sign-ups per address and hour (default 10). */
  signupsPerHour?: number;
  /** Called when the admin queues a webhook delivery by hand (wakes the sender). */
  onWebhookQueued?: () => void;
  /** Feature routers wired by main.ts (search, admin, sync …). */
  routers?: Router[];
}

/** Says once that a proxy seems to be in front while TRUST_PROXY is off (every visitor then shares one address). */
function warnOnUntrustedProxy(logger: Logger): express.RequestHandler {
  let warned = false;
  return (req, _res, next) => {
    if (!warned && req.headers['x-forwarded-for']) {
      warned = true;
      logger.warn(
        "requests carry X-Forwarded-For but TRUST_PROXY is off: all visitors share the proxy's address and limits; set TRUST_PROXY=1 for one proxy hop",
      );
    }
    next();
  };
}

export function buildApp(deps: AppDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', deps.trustProxy ?? false);
  if (deps.requestLogging !== false) app.use(requestLog(deps.logger));
  app.use(securityHeaders({ crossOrigin: Boolean(deps.corsOrigins?.length), imageOrigins: deps.imageOrigins }));
  if (!deps.trustProxy) app.use(warnOnUntrustedProxy(deps.logger));
  if (deps.corsOrigins?.length) {
    // Credentials stay off: external clients authenticate with API tokens, never with the admin's cookie.
    app.use(
      '/api',
      cors({
        origin: deps.corsOrigins,
        credentials: false,
        allowedHeaders: ['Authorization', 'Content-Type'],
        maxAge: 600,
      }),
    );
  }
  // gzip for JSON and the app's text assets (images are already compressed and are skipped by type)
  app.use(compression());
  app.use(express.json({ limit: '1mb' }));

  app.use('/api', sessionMiddleware(deps.auth));
  const visitorAuth = deps.visitorAuth ?? createVisitorAuthService({ db: deps.db });
  app.use('/api', visitorSessionMiddleware(visitorAuth));
  app.use('/api/v1/search', searchRateLimit({ perMinute: deps.searchRateLimitPerMinute ?? 20, db: deps.db }));
  app.use(
    authRoutes({
      auth: deps.auth,
      limiter: deps.loginLimiter,
      publicUrl: deps.publicUrl,
      requireSessionAdmin: adminGuard({ publicUrl: deps.publicUrl, allowTokens: false }),
    }),
  );
  app.use(healthRoutes({ db: deps.db, version: deps.version, logger: deps.logger }));
  app.use(openApiRoutes({ version: deps.version }));
  app.use(characterRoutes({ db: deps.db }));
  app.use(settingsRoutes({ db: deps.db, requireAdmin: adminGuard({ publicUrl: deps.publicUrl }) }));
  const registration = deps.registration ?? 'closed';
  const requireAdmin = adminGuard({ publicUrl: deps.publicUrl });
  const requireVisitor = visitorGuard({ publicUrl: deps.publicUrl });
  app.use(
    visitorAuthRoutes({
      db: deps.db,
      visitorAuth,
      registration,
      limiter: deps.visitorLoginLimiter,
      signupsPerHour: deps.signupsPerHour,
      publicUrl: deps.publicUrl,
    }),
  );
  app.use(meRoutes({ db: deps.db, collection: createCollectionService({ db: deps.db }), requireVisitor }));
  app.use(commentRoutes({ db: deps.db, registration, requireVisitor, requireAdmin }));
  app.use(adminVisitorRoutes({ db: deps.db, visitorAuth, registration, requireAdmin }));
  app.use(webhookRoutes({ db: deps.db, requireAdmin, onQueued: deps.onWebhookQueued }));
  for (const r of deps.routers ?? []) app.use(r);
  app.use('/api', apiNotFound);

  // Stored images are content-addressed, so they never change under a URL.
  const images = imageStoreOf(deps);
  app.use(imageRoutes({ store: images, serve: deps.imageServe, logger: deps.logger }));

  app.use(pageMetaRoutes({ db: deps.db, webDir: deps.webDir }));
  app.use(homePageRoutes({ db: deps.db, webDir: deps.webDir, images }));
  if (deps.webDir && fs.existsSync(path.join(deps.webDir, 'index.html'))) {
    const indexHtml = path.join(deps.webDir, 'index.html');
    // Vite names built assets by content hash: they never change under a URL.
    app.use(
      '/assets',
      express.static(path.join(deps.webDir, 'assets'), {
        immutable: true,
        maxAge: '365d',
        index: false,
        fallthrough: false,
      }),
    );
    app.use(express.static(deps.webDir, { index: false, maxAge: '1h' }));
    app.get(/^\/(?!api\/|images\/).*/, (_req, res) => res.sendFile(indexHtml));
  }
  app.use(errorHandler(deps.logger));
  return app;
}

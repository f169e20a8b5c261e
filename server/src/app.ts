/** buildApp(deps): the Express app without listen() or globals, so tests run it on an ephemeral port. */
import express, { type Router } from 'express';
import fs from 'node:fs';
import path from 'node:path';
import type { Db } from '@waifudex/core/db/database';
import type { Logger } from '@waifudex/core/logger';
import { apiNotFound, errorHandler } from './middleware/error-handler.js';
import { healthRoutes } from './routes/health.routes.js';
import { characterRoutes } from './routes/characters.routes.js';
import { authRoutes } from './routes/auth.routes.js';
import { requireAdmin, sessionMiddleware } from './middleware/auth.js';
import { settingsRoutes } from './routes/settings.routes.js';
import { pageMetaRoutes } from './routes/page-meta.routes.js';
import type { AuthService } from '@waifudex/core/services/auth.service';

export interface AppDeps {
  db: Db;
  logger: Logger;
  imagesDir: string;
  /** Built web app (web/dist); served with an SPA fallback when present. */
  webDir: string | null;
  version: string;
  auth: AuthService;
  trustProxy?: boolean;
  /** Feature routers wired by main.ts (search, admin, sync …). */
  routers?: Router[];
}

export function buildApp(deps: AppDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  if (deps.trustProxy) app.set('trust proxy', 1);
  app.use((_req, res, next) => {
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'same-origin');
    next();
  });
  app.use(express.json({ limit: '1mb' }));

  app.use('/api', sessionMiddleware(deps.auth));
  app.use(authRoutes({ auth: deps.auth }));
  app.use(healthRoutes({ db: deps.db, version: deps.version }));
  app.use(characterRoutes({ db: deps.db }));
  app.use(settingsRoutes({ db: deps.db, requireAdmin }));
  for (const r of deps.routers ?? []) app.use(r);
  app.use('/api', apiNotFound);

  // Stored images are content-addressed, so they never change under a URL.
  app.use('/images', express.static(deps.imagesDir, { immutable: true, maxAge: '365d', index: false, dotfiles: 'deny' }));
  app.use('/images', (_req, res) => void res.status(404).json({ error: { code: 'not_found', message: 'no such image' } }));

  app.use(pageMetaRoutes({ db: deps.db, webDir: deps.webDir }));
  if (deps.webDir && fs.existsSync(path.join(deps.webDir, 'index.html'))) {
    const indexHtml = path.join(deps.webDir, 'index.html');
    app.use(express.static(deps.webDir, { index: false, maxAge: '1h' }));
    app.get(/^\/(?!api\/|images\/).*/, (_req, res) => res.sendFile(indexHtml));
  }
  app.use(errorHandler(deps.logger));
  return app;
}

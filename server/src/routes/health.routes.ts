/** Liveness/readiness: 200 when the database answers. The public learns ok/not ok only; details go to the admin and the log. */
import { Router } from 'express';
import type { Db } from '@waifudex/core/db/database';
import type { Logger } from '@waifudex/core/logger';
import type { Health } from '@waifudex/core/api/index';
import { countCharacters } from '@waifudex/core/repos/raw-captions.repo';

export function healthRoutes(deps: { db: Db; version: string; logger: Logger }): Router {
  const r = Router();
  r.get('/api/health', async (req, res) => {
    const started = performance.now();
    const detailed = Boolean(req.admin);
    res.setHeader('Cache-Control', 'no-store');
    try {
      const characters = await countCharacters(deps.db);
      const body: Health = detailed
        ? {
            status: 'ok',
            version: deps.version,
            database: deps.db.kind,
            characters,
            db_ms: Math.round(performance.now() - started),
          }
        : { status: 'ok' };
      res.json(body);
    } catch (err) {
      deps.logger.warn({ err }, 'health check: database unavailable');
      const body: Health = detailed
        ? { status: 'unavailable', database: deps.db.kind, error: (err as Error).message }
        : { status: 'unavailable' };
      res.status(503).json(body);
    }
  });
  return r;
}

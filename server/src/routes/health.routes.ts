/** Liveness/readiness: answers 200 when the database answers. */
import { Router } from 'express';
import type { Db } from '@waifudex/core/db/database';

export function healthRoutes(deps: { db: Db; version: string }): Router {
  const r = Router();
  r.get('/api/health', async (_req, res) => {
    const started = performance.now();
    try {
      const c = await deps.db.query<{ n: number }>('SELECT count(*)::int AS n FROM characters');
      res.json({ status: 'ok', version: deps.version, database: deps.db.kind, characters: c.rows[0]!.n, db_ms: Math.round(performance.now() - started) });
    } catch (err) {
      res.status(503).json({ status: 'unavailable', database: deps.db.kind, error: (err as Error).message });
    }
  });
  return r;
}

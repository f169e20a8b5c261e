/** A visitor's own marks: likes, "caught it", the harem paste, completion, export and import. */
import { Router, type RequestHandler } from 'express';
import type { Db } from '@waifudex/core/db/database';
import { NotFoundError } from '@waifudex/core/errors';
import { likedIds, setLike } from '@waifudex/core/repos/likes.repo';
import { addCaught, caughtIds, completion, setCaught } from '@waifudex/core/repos/collection.repo';
import type { CollectionService } from '@waifudex/core/services/collection.service';
import {
  exportQuery,
  haremPreviewBody,
  idParams,
  importBody,
  markManyBody,
  type CaughtState,
  type Completion,
  type HaremPreview,
  type ImportResult,
  type LikeState,
  type MarkedMany,
  type MyMarks,
} from '@waifudex/core/api/index';
import { parseOr400 } from '../middleware/validate.js';
import { visitorOf } from '../middleware/visitor-auth.js';

export function meRoutes(deps: { db: Db; collection: CollectionService; requireVisitor: RequestHandler }): Router {
  const { db } = deps;
  const r = Router();
  r.use('/api/v1/me', deps.requireVisitor);
  r.get('/api/v1/me/marks', async (req, res) => {
    const v = visitorOf(req);
    res.json({ liked: await likedIds(db, v.visitorId), caught: await caughtIds(db, v.visitorId) } satisfies MyMarks);
  });
  for (const [method, liked] of [
    ['put', true],
    ['delete', false],
  ] as const) {
    r[method]('/api/v1/me/likes/:id', async (req, res) => {
      const { id } = parseOr400(idParams, req.params, 'path');
      const likes = await setLike(db, visitorOf(req).visitorId, id, liked);
      if (likes === null) throw new NotFoundError(`no character ${id}`);
      res.json({ liked, likes } satisfies LikeState);
    });
    r[method]('/api/v1/me/collection/:id', async (req, res) => {
      const { id } = parseOr400(idParams, req.params, 'path');
      if (!(await setCaught(db, visitorOf(req).visitorId, id, liked))) throw new NotFoundError(`no character ${id}`);
      res.json({ caught: liked } satisfies CaughtState);
    });
  }
  r.post('/api/v1/me/collection', async (req, res) => {
    const body = parseOr400(markManyBody, req.body, 'body');
    const result = await addCaught(db, visitorOf(req).visitorId, [...new Set(body.character_ids)], body.source);
    res.json(result satisfies MarkedMany);
  });
  r.post('/api/v1/me/collection/harem/preview', async (req, res) => {
    const { text } = parseOr400(haremPreviewBody, req.body, 'body');
    res.json((await deps.collection.previewHarem(visitorOf(req).visitorId, text)) satisfies HaremPreview);
  });
  r.get('/api/v1/me/collection/completion', async (req, res) => {
    res.json((await completion(db, visitorOf(req).visitorId)) satisfies Completion);
  });
  r.get('/api/v1/me/collection/export', async (req, res) => {
    const { format } = parseOr400(exportQuery, req.query, 'query');
    const v = visitorOf(req);
    const file = `waifudex-collection-${v.username}.${format}`.replace(/[^\w.-]/g, '_');
    res.setHeader('Content-Disposition', `attachment; filename="${file}"`);
    if (format === 'csv') res.type('text/csv; charset=utf-8').send(await deps.collection.exportCsv(v.visitorId));
    else res.json(await deps.collection.exportJson(v.visitorId));
  });
  r.post('/api/v1/me/collection/import', async (req, res) => {
    const body = parseOr400(importBody, req.body, 'body');
    res.json(
      (await deps.collection.importCollection(visitorOf(req).visitorId, body.format, body.data)) satisfies ImportResult,
    );
  });
  return r;
}

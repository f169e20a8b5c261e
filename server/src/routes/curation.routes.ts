/** Admin curation: merge/undo/split characters, hide/delete/re-parse, and the data-quality queue. */
import { Router, type RequestHandler } from 'express';
import type { Db } from '@waifudex/core/db/database';
import type { IngestService } from '@waifudex/core/services/ingest.service';
import type { ImageStore } from '@waifudex/core/services/image-store';
import {
  createAdminCharactersService,
  type AdminCharactersDeps,
} from '@waifudex/core/services/admin-characters.service';
import { createCurationService } from '@waifudex/core/services/curation.service';
import { createQualityQueueService } from '@waifudex/core/services/quality-queue.service';
import {
  artworkPatchBody,
  idParams,
  mergeBody,
  qualityEntryBody,
  qualityListQuery,
  type MergeResult,
  type MergeUndone,
  type QualityCounts,
  type QualityList,
} from '@waifudex/core/api/index';
import { BadRequestError } from '@waifudex/core/errors';
import { parseOr400 } from '../middleware/validate.js';
import { presentAdminCharacterDetail } from '../presenters/admin-character.presenter.js';
import { presentQualityEntry } from '../presenters/quality.presenter.js';

export interface CurationRoutesDeps {
  db: Db;
  ingest: IngestService;
  /** Where the files are; `imagesDir` is shorthand for a local folder store. */
  images?: ImageStore;
  imagesDir?: string;
  requireAdmin: RequestHandler;
  /** Told about moved, hidden and removed artworks (the reverse-search index follows). */
  onChange?: AdminCharactersDeps['onChange'];
  /** How long the queue's file check is reused (ms). */
  fileCheckTtlMs?: number;
}

export function curationRoutes(deps: CurationRoutesDeps): Router {
  const characters = createAdminCharactersService(deps);
  const curation = createCurationService(deps);
  const queue = createQualityQueueService({
    db: deps.db,
    images: deps.images,
    imagesDir: deps.imagesDir,
    fileCheckTtlMs: deps.fileCheckTtlMs,
  });
  const admin = deps.requireAdmin;
  const detail = async (id: string) => presentAdminCharacterDetail(await characters.getAdmin(id));
  const r = Router();

  r.post('/api/v1/admin/characters/:id/merge', admin, async (req, res) => {
    const { id } = parseOr400(idParams, req.params, 'path');
    const { from } = parseOr400(mergeBody, req.body ?? {}, 'body');
    const out = await curation.merge(id, from);
    res.json({
      character: await detail(id),
      change_id: out.changeId,
      moved_artwork_ids: out.movedArtworkIds,
    } satisfies MergeResult);
  });

  r.post('/api/v1/admin/merges/:id/undo', admin, async (req, res) => {
    const { id } = parseOr400(idParams, req.params, 'path');
    const out = await curation.undoMerge(id);
    res.json({ character: await detail(out.intoId), restored: await detail(out.restoredId) } satisfies MergeUndone);
  });

  r.post('/api/v1/admin/characters/:id/reparse', admin, async (req, res) => {
    const { id } = parseOr400(idParams, req.params, 'path');
    const out = await curation.reparse(id);
    res.json({ ...out, character: await detail(id) });
  });

  r.post('/api/v1/admin/artworks/:id/split', admin, async (req, res) => {
    const { id } = parseOr400(idParams, req.params, 'path');
    const out = await curation.split(id);
    res.status(201).json(await detail(out.characterId));
  });

  r.patch('/api/v1/admin/artworks/:id', admin, async (req, res) => {
    const { id } = parseOr400(idParams, req.params, 'path');
    const { hidden } = parseOr400(artworkPatchBody, req.body ?? {}, 'body');
    res.json(await detail(await curation.setArtworkHidden(id, hidden)));
  });

  r.delete('/api/v1/admin/artworks/:id', admin, async (req, res) => {
    const { id } = parseOr400(idParams, req.params, 'path');
    res.json(await detail(await curation.deleteArtwork(id)));
  });

  r.get('/api/v1/admin/quality/counts', admin, async (_req, res) => {
    res.json((await queue.counts()) satisfies QualityCounts);
  });

  r.get('/api/v1/admin/quality', admin, async (req, res) => {
    const { kind, page, per_page } = parseOr400(qualityListQuery, req.query, 'query');
    const [{ total, items }, counts] = await Promise.all([queue.list(kind, page, per_page), queue.counts()]);
    res.json({
      page,
      per_page,
      total,
      total_pages: Math.ceil(total / per_page),
      kind,
      counts,
      items: items.map(presentQualityEntry),
    } satisfies QualityList);
  });

  r.post('/api/v1/admin/quality/dismiss', admin, async (req, res) => {
    const { kind, key } = parseOr400(qualityEntryBody, req.body ?? {}, 'body');
    await queue.dismiss(kind, key);
    res.status(204).end();
  });

  r.post('/api/v1/admin/quality/retry', admin, async (req, res) => {
    const { kind, key } = parseOr400(qualityEntryBody, req.body ?? {}, 'body');
    if (kind !== 'sync_gap')
      throw new BadRequestError('only a sync gap can be retried', undefined, 'validation_failed');
    await queue.retryGap(key);
    res.status(204).end();
  });
  return r;
}

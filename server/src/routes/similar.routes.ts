/**
 * "Similar artwork" suggestions from CLIP embeddings (optional, CLIP_MODEL):
 *   GET  /api/v1/characters/:id/similar?k=8   → { enabled, items }
 *   POST /api/v1/search/similar (multipart `image`) → { enabled, items }
 * Items are `{ character, artwork, similarity, label: 'similar' }`: look-alikes, never a match.
 * With the feature off both answer 200 `{ enabled: false, items: [] }`. Errors go to the app's handler.
 */
import { Router } from 'express';
import { BadRequestError } from '@waifudex/core/errors';
import type { SimilarArtworksService } from '@waifudex/core/services/similar-artworks.service';
import { idParams, similarQuery, type SimilarList } from '@waifudex/core/api/index';
import { parseOr400 } from '../middleware/validate.js';
import { DEFAULT_MAX_UPLOAD_BYTES, imageUpload, readUpload, uploadedFile } from '../http/upload.js';
import { createWorkGate, type WorkGate } from '../http/work-gate.js';

export interface SimilarRoutesDeps {
  similar: SimilarArtworksService;
  /** Largest accepted upload in bytes (default 25 MB). */
  maxUploadBytes?: number;
  gate?: WorkGate;
}

export function similarRoutes(deps: SimilarRoutesDeps): Router {
  const upload = imageUpload({ maxBytes: deps.maxUploadBytes ?? DEFAULT_MAX_UPLOAD_BYTES });
  const gate = deps.gate ?? createWorkGate({ concurrency: 2, queue: 8 });
  const r = Router();

  r.get('/api/v1/characters/:id/similar', async (req, res) => {
    const { id } = parseOr400(idParams, req.params, 'path');
    const { k } = parseOr400(similarQuery, req.query, 'query');
    const items = await deps.similar.similarTo(id, k);
    res.json({ enabled: deps.similar.enabled, items } satisfies SimilarList);
  });

  r.post('/api/v1/search/similar', upload, async (req, res) => {
    const { k } = parseOr400(similarQuery, req.query, 'query');
    const file = uploadedFile(req);
    if (!file) throw new BadRequestError('Send the picture as multipart field "image".', undefined, 'missing_image');
    const items = await gate.run(async () => deps.similar.similarTo(await readUpload(file), k));
    res.json({ enabled: deps.similar.enabled, items } satisfies SimilarList);
  });
  return r;
}

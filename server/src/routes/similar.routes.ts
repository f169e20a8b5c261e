/**
 * "Similar artwork" suggestions from CLIP embeddings (optional, CLIP_MODEL):
 *   GET  /api/v1/characters/:id/similar?k=8   → { enabled, items }
 *   POST /api/v1/search/similar (multipart `image`) → { enabled, items }
 * Items are `{ character, artwork, similarity, label: 'similar' }`: look-alikes, never a match.
 * With the feature off both answer 200 `{ enabled: false, items: [] }`. Errors go to the app's handler.
 */
import { Router, type NextFunction, type Request, type Response } from 'express';
import multer from 'multer';
import { z } from 'zod';
import { BadRequestError } from '@waifudex/core/errors';
import { MAX_K, type SimilarArtworksService } from '@waifudex/core/services/similar-artworks.service';
import { parseOr400 } from '../middleware/validate.js';

export interface SimilarRoutesDeps {
  similar: SimilarArtworksService;
  /** Largest accepted upload in bytes (default 25 MB). */
  maxUploadBytes?: number;
}

const idParams = z.object({ id: z.string().regex(/^[1-9][0-9]{0,17}$/, 'must be a character id') });
const kQuery = z.object({ k: z.coerce.number().int().min(1).max(MAX_K).default(8) });

export function similarRoutes(deps: SimilarRoutesDeps): Router {
  const maxBytes = deps.maxUploadBytes ?? 25 * 1024 * 1024;
  const upload = multer({ storage: multer.memoryStorage(), limits: { fileSize: maxBytes, files: 1, fields: 10 } }).single('image');
  const r = Router();

  r.get('/api/v1/characters/:id/similar', async (req, res) => {
    const { id } = parseOr400(idParams, req.params, 'path');
    const { k } = parseOr400(kQuery, req.query, 'query');
    const items = await deps.similar.similarTo(id, k);
    res.json({ enabled: deps.similar.enabled, items });
  });

  r.post(
    '/api/v1/search/similar',
    (req: Request, res: Response, next: NextFunction) => (req.is('multipart/form-data') ? upload(req, res, next) : next()),
    async (req, res) => {
      const { k } = parseOr400(kQuery, req.query, 'query');
      const file = (req as Request & { file?: Express.Multer.File }).file;
      if (!file) throw new BadRequestError('Send the picture as multipart field "image".', undefined, 'missing_image');
      const items = await deps.similar.similarTo(file.buffer, k);
      res.json({ enabled: deps.similar.enabled, items });
    },
  );
  return r;
}

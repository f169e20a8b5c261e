/**
 * POST /api/v1/search/image — reverse image search ("who is this?").
 * Body: multipart/form-data with field `image`, or JSON `{ "url": "https://…" }`.
 * Bad input always answers 4xx `{ error: { code, message } }`, never 500.
 */
import express, { type Request } from 'express';
import multer from 'multer';
import type { Logger } from '@waifudex/core/logger';
import type { ImageSearchService } from '@waifudex/core/services/image-search.service';
import { BadRequestError } from '@waifudex/core/errors';
import { fetchRemoteImage } from '../http/fetch-remote-image.js';

export interface SearchRoutesDeps {
  search: ImageSearchService;
  logger?: Logger;
  /** Largest accepted upload or downloaded image in bytes (default 25 MB). */
  maxUploadBytes?: number;
  /** Timeout of `{url}` downloads (ms, default 10 s). */
  fetchTimeoutMs?: number;
  /** Tests only: allow `{url}` on loopback. */
  allowPrivateUrls?: boolean;
}

/** Router with POST /api/v1/search/image. Mount with `app.use(searchRoutes(deps))`. */
export function searchRoutes(deps: SearchRoutesDeps): express.Router {
  const maxBytes = deps.maxUploadBytes ?? 25 * 1024 * 1024;
  const timeoutMs = deps.fetchTimeoutMs ?? 10_000;
  const upload = multer({ storage: multer.memoryStorage(), limits: { fileSize: maxBytes, files: 1, fields: 10 } }).single('image');
  const router = express.Router();

  router.post('/api/v1/search/image', (req, res, next) => (req.is('multipart/form-data') ? upload(req, res, next) : next()), async (req, res) => {
    const file = (req as Request & { file?: Express.Multer.File }).file;
    const url = req.body && typeof req.body === 'object' ? (req.body as { url?: unknown }).url : undefined;
    let bytes: Buffer;
    if (file) bytes = file.buffer;
    else if (url !== undefined) bytes = await fetchRemoteImage(url, { maxBytes, timeoutMs, allowPrivate: deps.allowPrivateUrls });
    else throw new BadRequestError('Send the picture as multipart field "image" or JSON {"url": "…"}.', undefined, 'missing_image');
    res.json(await deps.search.search(bytes));
  });
  return router;
}

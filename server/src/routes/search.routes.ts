/**
 * POST /api/v1/search/image — reverse image search ("who is this?").
 * Body: multipart/form-data with field `image`, or JSON `{ "url": "https://…" }`.
 * Bad input always answers 4xx `{ error: { code, message } }`, never 500; a full queue answers 503.
 * The answer's `Server-Timing` header says where the request's time went, stage by stage.
 */
import express from 'express';
import type { Logger } from '@waifudex/core/logger';
import type { ImageSearchService } from '@waifudex/core/services/image-search.service';
import { BadRequestError } from '@waifudex/core/errors';
import type { SearchResult } from '@waifudex/core/api/index';
import { StageTimings } from '@waifudex/core/images/stage-timings';
import { fetchRemoteImage } from '../http/fetch-remote-image.js';
import { DEFAULT_MAX_UPLOAD_BYTES, imageUpload, readUpload, uploadedFile } from '../http/upload.js';
import { createWorkGate, type WorkGate } from '../http/work-gate.js';

export interface SearchRoutesDeps {
  search: ImageSearchService;
  logger?: Logger;
  /** Largest accepted upload or downloaded image in bytes (default 25 MB). */
  maxUploadBytes?: number;
  /** Total deadline of a `{url}` download, redirects included (ms, default 10 s). */
  fetchTimeoutMs?: number;
  /** Tests only: allow `{url}` on loopback. */
  allowPrivateUrls?: boolean;
  /** Shared bound on image decoding (default: 2 at once, 8 waiting). */
  gate?: WorkGate;
}

/** Router with POST /api/v1/search/image. Mount with `app.use(searchRoutes(deps))`. */
export function searchRoutes(deps: SearchRoutesDeps): express.Router {
  const maxBytes = deps.maxUploadBytes ?? DEFAULT_MAX_UPLOAD_BYTES;
  const timeoutMs = deps.fetchTimeoutMs ?? 10_000;
  const gate = deps.gate ?? createWorkGate({ concurrency: 2, queue: 8 });
  const router = express.Router();

  // the clock starts before the body is read: 'upload' is the multipart body streamed to its file
  const startClock: express.RequestHandler = (_req, res, next) => {
    res.locals.timings = new StageTimings();
    next();
  };
  router.post('/api/v1/search/image', startClock, imageUpload({ maxBytes }), async (req, res) => {
    const timings = res.locals.timings as StageTimings;
    timings.lap('upload');
    const file = uploadedFile(req);
    const url = req.body && typeof req.body === 'object' ? (req.body as { url?: unknown }).url : undefined;
    if (!file && url === undefined)
      throw new BadRequestError(
        'Send the picture as multipart field "image" or JSON {"url": "…"}.',
        undefined,
        'missing_image',
      );
    const bytes = file
      ? null
      : await fetchRemoteImage(url, { maxBytes, timeoutMs, allowPrivate: deps.allowPrivateUrls });
    if (bytes) timings.lap('fetch');
    const result = await gate.run(async () => {
      timings.lap('queue');
      const image = bytes ?? (await readUpload(file!));
      timings.lap('read');
      return deps.search.search(image, { timings });
    });
    const body = JSON.stringify(result satisfies SearchResult);
    timings.lap('json');
    res.set('Server-Timing', timings.header()).type('json').send(body);
  });
  return router;
}

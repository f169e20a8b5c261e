/**
 * POST /api/v1/search/image — reverse image search ("who is this?").
 * Body: multipart/form-data with field `image`, or JSON `{ "url": "https://…" }`.
 * Bad input always answers 4xx `{ error: { code, message } }`, never 500.
 */
import express, { type NextFunction, type Request, type Response } from 'express';
import multer from 'multer';
import type { Logger } from '@waifudex/core/logger';
import { ImageRejectedError, type ImageSearchService } from '@waifudex/core/services/image-search.service';

export interface SearchRoutesDeps {
  search: ImageSearchService;
  logger?: Logger;
  /** Largest accepted upload or downloaded image in bytes (default 25 MB). */
  maxUploadBytes?: number;
  /** Timeout of `{url}` downloads (ms, default 10 s). */
  fetchTimeoutMs?: number;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const REJECTION_STATUS: Record<ImageRejectedError['code'], number> = {
  unsupported_type: 415,
  too_large: 413,
  too_many_pixels: 413,
  corrupt: 400,
  too_small: 400,
};

function isPrivateHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return (
    h === 'localhost' ||
    h.endsWith('.localhost') ||
    h === '::1' ||
    h === '0.0.0.0' ||
    /^127\./.test(h) ||
    /^10\./.test(h) ||
    /^192\.168\./.test(h) ||
    /^169\.254\./.test(h) ||
    /^172\.(1[6-9]|2\d|3[01])\./.test(h) ||
    /^f[cd][0-9a-f]{2}:/.test(h) ||
    /^fe80:/.test(h)
  );
}

/** Downloads an image URL with a timeout and a size cap (http/https only). */
async function fetchImage(raw: unknown, maxBytes: number, timeoutMs: number): Promise<Buffer> {
  if (typeof raw !== 'string' || raw.length > 4096) throw new HttpError(400, 'invalid_url', 'Send an http(s) URL in "url".');
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new HttpError(400, 'invalid_url', 'The URL is not valid.');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new HttpError(400, 'invalid_url', 'Only http and https URLs are accepted.');
  if (isPrivateHost(url.hostname)) throw new HttpError(400, 'invalid_url', 'Local and private addresses are not fetched.');
  let res: globalThis.Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), redirect: 'follow', headers: { accept: 'image/*' } });
  } catch (err) {
    const timedOut = (err as Error).name === 'TimeoutError';
    throw new HttpError(timedOut ? 504 : 502, timedOut ? 'fetch_timeout' : 'fetch_failed', timedOut ? 'The image URL did not answer in time.' : 'The image URL could not be fetched.');
  }
  if (!res.ok || !res.body) throw new HttpError(502, 'fetch_failed', `The image URL answered HTTP ${res.status}.`);
  const declared = Number(res.headers.get('content-length') ?? 0);
  if (declared > maxBytes) throw new HttpError(413, 'too_large', `The image is larger than ${maxBytes} bytes.`);
  const chunks: Buffer[] = [];
  let total = 0;
  const reader = res.body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > maxBytes) {
        await reader.cancel().catch(() => undefined);
        throw new HttpError(413, 'too_large', `The image is larger than ${maxBytes} bytes.`);
      }
      chunks.push(Buffer.from(value));
    }
  } catch (err) {
    if (err instanceof HttpError) throw err;
    throw new HttpError(502, 'fetch_failed', 'The image download was interrupted.');
  }
  return Buffer.concat(chunks);
}

/** Router with POST /api/v1/search/image. Mount with `app.use(searchRoutes(deps))`. */
export function searchRoutes(deps: SearchRoutesDeps): express.Router {
  const maxBytes = deps.maxUploadBytes ?? 25 * 1024 * 1024;
  const timeoutMs = deps.fetchTimeoutMs ?? 10_000;
  const upload = multer({ storage: multer.memoryStorage(), limits: { fileSize: maxBytes, files: 1, fields: 10 } }).single('image');
  const router = express.Router();

  router.post(
    '/api/v1/search/image',
    (req: Request, res: Response, next: NextFunction) => {
      if (!req.is('multipart/form-data')) return next();
      upload(req, res, (err: unknown) => {
        if (!err) return next();
        if (err instanceof multer.MulterError) {
          const status = err.code === 'LIMIT_FILE_SIZE' ? 413 : 400;
          const code = err.code === 'LIMIT_FILE_SIZE' ? 'too_large' : 'invalid_upload';
          return void res.status(status).json({ error: { code, message: err.code === 'LIMIT_FILE_SIZE' ? `The image is larger than ${maxBytes} bytes.` : `Upload rejected: ${err.message}` } });
        }
        return void res.status(400).json({ error: { code: 'invalid_upload', message: 'The upload could not be read.' } });
      });
    },
    express.json({ limit: '16kb' }),
    async (req: Request, res: Response) => {
      try {
        let bytes: Buffer;
        const file = (req as Request & { file?: Express.Multer.File }).file;
        if (file) bytes = file.buffer;
        else if (req.body && typeof req.body === 'object' && 'url' in req.body) bytes = await fetchImage((req.body as { url: unknown }).url, maxBytes, timeoutMs);
        else throw new HttpError(400, 'missing_image', 'Send the picture as multipart field "image" or JSON {"url": "…"}.');
        const result = await deps.search.search(bytes);
        res.json(result);
      } catch (err) {
        if (err instanceof HttpError) return void res.status(err.status).json({ error: { code: err.code, message: err.message } });
        if (err instanceof ImageRejectedError) return void res.status(REJECTION_STATUS[err.code]).json({ error: { code: err.code, message: err.message } });
        deps.logger?.error({ err }, 'image search failed');
        res.status(500).json({ error: { code: 'internal', message: 'The search failed.' } });
      }
    },
  );
  // malformed JSON bodies on this route → 400, not the app's generic 500
  router.use('/api/v1/search/image', (err: unknown, _req: Request, res: Response, next: NextFunction) => {
    const e = err as { type?: string; status?: number };
    if (e?.type === 'entity.parse.failed' || e?.type === 'entity.too.large') {
      return void res.status(e.status === 413 ? 413 : 400).json({ error: { code: 'invalid_body', message: 'The request body is not valid JSON.' } });
    }
    next(err);
  });
  return router;
}

/** Maps errors to JSON responses: domain errors keep their status, bad images are 4xx, the rest 500. */
import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from '@waifudex/core/logger';
import { AppError, TooManyRequestsError } from '@waifudex/core/errors';
import { ImageRejectedError } from '@waifudex/core/images/analyze-image';

const IMAGE_STATUS: Record<string, number> = { too_large: 413, too_many_pixels: 413, unsupported_type: 415, corrupt: 422, too_small: 422 };

export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    if (err instanceof ImageRejectedError) {
      res.status(IMAGE_STATUS[err.code] ?? 400).json({ error: { code: err.code, message: err.message } });
      return;
    }
    if (err instanceof AppError) {
      if (err instanceof TooManyRequestsError) res.setHeader('Retry-After', String(err.retryAfterSeconds));
      res.status(err.status).json({ error: { code: err.code, message: err.message, details: err.details } });
      return;
    }
    // body-parser / multer errors carry a status or a code
    const status = typeof err?.status === 'number' ? err.status : err?.code === 'LIMIT_FILE_SIZE' ? 413 : err?.code?.startsWith?.('LIMIT_') ? 400 : 500;
    if (status < 500) {
      res.status(status).json({ error: { code: err.type ?? err.code ?? 'bad_request', message: err.message } });
      return;
    }
    logger.error({ err, method: req.method, url: req.originalUrl }, 'request failed');
    res.status(500).json({ error: { code: 'internal', message: 'internal server error' } });
  };
}

/** JSON 404 for unknown API paths. */
export const apiNotFound: RequestHandler = (req, res) => {
  res.status(404).json({ error: { code: 'not_found', message: `no route ${req.method} ${req.path}` } });
};

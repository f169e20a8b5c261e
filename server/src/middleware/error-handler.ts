/** Maps errors to JSON responses: domain errors keep their status, bad images are 4xx, the rest 500. */
import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from '@waifudex/core/logger';
import { UserError, ServiceUnavailableError, TooManyRequestsError } from '@waifudex/core/errors';
import { ImageRejectedError } from '@waifudex/core/images/analyze-image';

const IMAGE_STATUS: Record<string, number> = {
  too_large: 413,
  too_many_pixels: 413,
  unsupported_type: 415,
  corrupt: 422,
  too_small: 422,
};

export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    if (err instanceof ImageRejectedError) {
      res.status(IMAGE_STATUS[err.code] ?? 400).json({ error: { code: err.code, message: err.message } });
      return;
    }
    if (err instanceof UserError && err.status !== undefined) {
      if (err instanceof TooManyRequestsError || err instanceof ServiceUnavailableError)
        res.setHeader('Retry-After', String(err.retryAfterSeconds));
      res.status(err.status).json({ error: { code: err.code, message: err.message, details: err.details } });
      return;
    }
    const transport = transportError(err);
    if (transport) {
      res.status(transport.status).json({ error: { code: transport.code, message: transport.message } });
      return;
    }
    logger.error({ err, method: req.method, url: req.originalUrl }, 'request failed');
    res.status(500).json({ error: { code: 'internal', message: 'internal server error' } });
  };
}

/** Body-parser errors: the client sent something unreadable or too big (multipart errors are mapped in http/upload.ts). */
function transportError(err: any): { status: number; code: string; message: string } | null {
  if (err?.type === 'entity.parse.failed')
    return { status: 400, code: 'invalid_body', message: 'The request body is not valid JSON.' };
  if (err?.type === 'entity.too.large')
    return { status: 413, code: 'too_large', message: 'The request body is too large.' };
  // Last line of defence: PostgreSQL refusing a value (NUL byte, bad encoding) is the client's input, not our fault.
  if (err?.code === '22021' || err?.code === '22P05')
    return {
      status: 400,
      code: 'invalid_text',
      message: 'The request contains characters that cannot be stored (e.g. NUL).',
    };
  if (typeof err?.status === 'number' && err.status >= 400 && err.status < 500)
    return { status: err.status, code: err.type ?? 'bad_request', message: err.message };
  return null;
}

/** JSON 404 for unknown API paths. */
export const apiNotFound: RequestHandler = (req, res) => {
  res.status(404).json({ error: { code: 'not_found', message: `no route ${req.method} ${req.path}` } });
};

/** One log line per request (pino-http): id, method, path, status, duration. No headers, cookies, tokens or query values. */
import crypto from 'node:crypto';
import type { RequestHandler } from 'express';
import { pinoHttp } from 'pino-http';
import type { Logger } from '@waifudex/core/logger';

const SAFE_ID = /^[A-Za-z0-9._-]{1,64}$/;

export function requestLog(logger: Logger): RequestHandler {
  return pinoHttp({
    logger,
    // A proxy's X-Request-Id is kept when it looks like an id, so log lines can be joined across hops.
    genReqId: (req, res) => {
      const given = req.headers['x-request-id'];
      const id = typeof given === 'string' && SAFE_ID.test(given) ? given : crypto.randomUUID();
      res.setHeader('X-Request-Id', id);
      return id;
    },
    serializers: {
      req: (req) => ({
        id: req.id,
        method: req.method,
        path: String((req as { originalUrl?: string }).originalUrl ?? req.url ?? '').split('?')[0],
      }),
      res: (res) => ({ status: res.statusCode }),
    },
    customLogLevel: (_req, res, err) =>
      err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info',
    customSuccessMessage: (req, res, ms) =>
      `${req.method} ${String(req.url ?? '').split('?')[0]} ${res.statusCode} ${Math.round(ms)}ms`,
    customErrorMessage: (req, res) => `${req.method} ${String(req.url ?? '').split('?')[0]} ${res.statusCode}`,
    autoLogging: { ignore: (req) => req.url === '/api/health' },
  }) as unknown as RequestHandler;
}

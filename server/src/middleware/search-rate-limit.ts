/**
 * Per-address (or per-API-token) limit of the expensive search routes: 429 with Retry-After when used up.
 * Counted in the database when given one, so every server replica shares the budget.
 */
import type { RequestHandler } from 'express';
import { rateLimit, ipKeyGenerator } from 'express-rate-limit';
import type { Queryable } from '@waifudex/core/db/database';
import { DbRateLimitStore } from './db-rate-limit-store.js';
import { TooManyRequestsError } from '@waifudex/core/errors';

export function searchRateLimit(opts: { perMinute: number; db?: Queryable }): RequestHandler {
  return rateLimit({
    ...(opts.db ? { store: new DbRateLimitStore(opts.db, 'search') } : {}),
    // a database hiccup must not turn searches away (the search itself reports it)
    passOnStoreError: true,
    windowMs: 60_000,
    limit: opts.perMinute,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    // IPv6 clients are counted per /56, as one household or host usually holds a whole prefix.
    keyGenerator: (req) => (req.apiToken ? `token:${req.apiToken.id}` : ipKeyGenerator(req.ip ?? '', 56)),
    handler: (req, _res, next) => {
      const reset =
        (req as typeof req & { rateLimit?: { resetTime?: Date } }).rateLimit?.resetTime?.getTime() ??
        Date.now() + 60_000;
      const seconds = Math.max(1, Math.ceil((reset - Date.now()) / 1000));
      next(new TooManyRequestsError(`Too many searches; try again in ${seconds} s.`, seconds));
    },
  });
}

/** Sign-ups per address and hour (each costs an argon2 hash and creates an account): 429 with Retry-After. */
import type { RequestHandler } from 'express';
import { rateLimit, ipKeyGenerator } from 'express-rate-limit';
import { TooManyRequestsError } from '@waifudex/core/errors';

export function signupRateLimit(opts: { perHour: number }): RequestHandler {
  return rateLimit({
    windowMs: 60 * 60_000,
    limit: opts.perHour,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    keyGenerator: (req) => ipKeyGenerator(req.ip ?? '', 56),
    handler: (req, _res, next) => {
      const reset =
        (req as typeof req & { rateLimit?: { resetTime?: Date } }).rateLimit?.resetTime?.getTime() ??
        Date.now() + 3600_000;
      const seconds = Math.max(1, Math.ceil((reset - Date.now()) / 1000));
      next(
        new TooManyRequestsError(
          `Too many sign-ups from your address; try again in ${Math.ceil(seconds / 60)} minute(s).`,
          seconds,
        ),
      );
    },
  });
}

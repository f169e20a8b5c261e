/**
 * express-rate-limit store in PostgreSQL, so that every server replica on one database draws on the same
 * per-client budget (in memory, N replicas behind a round-robin proxy would grant N budgets). Keys are
 * prefixed per limiter; expired counters are purged now and then.
 */
import type { IncrementResponse, Options, Store } from 'express-rate-limit';
import type { Queryable } from '@waifudex/core/db/database';
import {
  hitRateLimit,
  purgeExpiredRateLimits,
  resetRateLimit,
  undoRateLimitHit,
} from '@waifudex/core/repos/rate-limits.repo';

const PURGE_EVERY_MS = 10 * 60_000;

export class DbRateLimitStore implements Store {
  private windowMs = 60_000;
  private nextPurge = Date.now() + PURGE_EVERY_MS;

  constructor(
    private readonly db: Queryable,
    readonly prefix: string,
  ) {}

  init(options: Options): void {
    this.windowMs = options.windowMs;
  }

  async increment(key: string): Promise<IncrementResponse> {
    if (Date.now() >= this.nextPurge) {
      this.nextPurge = Date.now() + PURGE_EVERY_MS;
      // catch: a failed purge runs again in ten minutes; expired counters only take space meanwhile
      void purgeExpiredRateLimits(this.db).catch(() => undefined);
    }
    const r = await hitRateLimit(this.db, `${this.prefix}:${key}`, this.windowMs);
    return { totalHits: r.hits, resetTime: r.resetAt };
  }

  async decrement(key: string): Promise<void> {
    await undoRateLimitHit(this.db, `${this.prefix}:${key}`);
  }

  async resetKey(key: string): Promise<void> {
    await resetRateLimit(this.db, `${this.prefix}:${key}`);
  }
}

/** Fixed-window failure counter per key (login attempts); in memory, which suits one server process. */
import { TooManyRequestsError } from '@waifudex/core/errors';

export function createFailureLimiter(opts: { max: number; windowMs: number; now?: () => number }) {
  const now = opts.now ?? Date.now;
  const failures = new Map<string, { count: number; resetAt: number }>();
  return {
    /** Throws 429 when the key has used up its failures in the current window. */
    check(key: string): void {
      const f = failures.get(key);
      if (!f) return;
      if (f.resetAt <= now()) {
        failures.delete(key);
        return;
      }
      if (f.count >= opts.max) throw new TooManyRequestsError('too many failed logins, try again later', Math.ceil((f.resetAt - now()) / 1000));
    },
    fail(key: string): void {
      const f = failures.get(key);
      if (!f || f.resetAt <= now()) failures.set(key, { count: 1, resetAt: now() + opts.windowMs });
      else f.count++;
      if (failures.size > 10_000) for (const [k, v] of failures) if (v.resetAt <= now()) failures.delete(k);
    },
    succeed(key: string): void {
      failures.delete(key);
    },
  };
}
